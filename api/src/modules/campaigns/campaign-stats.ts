// Per-campaign aggregates, computed in SQL for a batch of campaigns at once (one query per page).
import { type Db, rows, sql } from '../../db/sql.ts';

export interface CampaignStats {
  total: number;
  queued: number;
  leased: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Succeeded tasks whose results came from a simulating worker; excluded from the figures below. */
  simulated: number;
  bestValBpb: number | null;
  meanValBpb: number | null;
  stdValBpb: number | null;
  /** Hardware classes of the results behind the figures, sorted. */
  hardwareClasses: string[];
  /** Wall budgets only: the figures mix results of more than one hardware class (not comparable). */
  mixedHardware: boolean;
}

const EMPTY: CampaignStats = {
  total: 0,
  queued: 0,
  leased: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  simulated: 0,
  bestValBpb: null,
  meanValBpb: null,
  stdValBpb: null,
  hardwareClasses: [],
  mixedHardware: false,
};

export async function loadCampaignStats(em: Db, campaignIds: readonly string[]): Promise<CampaignStats[]> {
  const result = await rows<{
    campaign_id: string;
    total: number;
    queued: number;
    leased: number;
    succeeded: number;
    failed: number;
    cancelled: number;
    simulated: number;
    best: number | null;
    mean: number | null;
    std: number | null;
    classes: string[] | null;
    wall: boolean | null;
  }>(
    em,
    sql`select campaign_id,
          count(*)::int as total,
          count(*) filter (where status = 'queued')::int as queued,
          count(*) filter (where status = 'leased')::int as leased,
          count(*) filter (where status = 'succeeded')::int as succeeded,
          count(*) filter (where status = 'failed')::int as failed,
          count(*) filter (where status = 'cancelled')::int as cancelled,
          count(*) filter (where status = 'succeeded' and simulated)::int as simulated,
          min(val_bpb) filter (where status = 'succeeded' and not simulated) as best,
          avg(val_bpb) filter (where status = 'succeeded' and not simulated) as mean,
          stddev_samp(val_bpb) filter (where status = 'succeeded' and not simulated) as std,
          array_agg(distinct hardware_class order by hardware_class)
            filter (where status = 'succeeded' and not simulated and hardware_class is not null) as classes,
          bool_or(budget_kind = 'wall') as wall
        from task where campaign_id = any(${[...campaignIds]}::uuid[])
        group by campaign_id`,
  );
  const byId = new Map(result.map((row) => [row.campaign_id, row]));
  return campaignIds.map((id) => {
    const row = byId.get(id);
    if (!row) return EMPTY;
    return {
      total: row.total,
      queued: row.queued,
      leased: row.leased,
      succeeded: row.succeeded,
      failed: row.failed,
      cancelled: row.cancelled,
      simulated: row.simulated,
      bestValBpb: row.best == null ? null : Number(row.best),
      meanValBpb: row.mean == null ? null : Number(row.mean),
      stdValBpb: row.std == null ? null : Number(row.std),
      hardwareClasses: row.classes ?? [],
      mixedHardware: Boolean(row.wall) && (row.classes?.length ?? 0) > 1,
    };
  });
}
