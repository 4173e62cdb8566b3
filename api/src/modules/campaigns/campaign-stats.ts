// Per-campaign aggregates, computed in SQL for a batch of campaigns at once (one query per page).
// Counts are over the campaign's own tasks (replicas are counted apart); the val_bpb figures are
// over canonical results only: not simulated, and valid (or unverified, with verification off).
// Pending, invalid and inconclusive results never reach them.
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
  /** Succeeded tasks by verdict (none of them with verification off). */
  pendingVerification: number;
  verified: number;
  inconclusive: number;
  /** Replica tasks (verification runs), all and still live. */
  replicas: number;
  replicasLive: number;
  /** The lowest val_bpb still awaiting verification, when it is below bestValBpb (a pending best). */
  pendingBestValBpb: number | null;
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
  pendingVerification: 0,
  verified: 0,
  inconclusive: 0,
  replicas: 0,
  replicasLive: 0,
  pendingBestValBpb: null,
};

/** A canonical result: what statistics, charts, exports and "best" use. */
export const CANONICAL_TASK = `status = 'succeeded' and not simulated and replica_of_id is null and (validation is null or validation = 'valid')`;

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
    pending: number;
    verified: number;
    inconclusive: number;
    replicas: number;
    replicas_live: number;
    pending_best: number | null;
  }>(
    em,
    sql`select campaign_id,
          count(*) filter (where original)::int as total,
          count(*) filter (where original and status = 'queued')::int as queued,
          count(*) filter (where original and status = 'leased')::int as leased,
          count(*) filter (where original and status = 'succeeded')::int as succeeded,
          count(*) filter (where original and status = 'failed')::int as failed,
          count(*) filter (where original and status = 'cancelled')::int as cancelled,
          count(*) filter (where original and status = 'succeeded' and simulated)::int as simulated,
          min(val_bpb) filter (where canonical) as best,
          avg(val_bpb) filter (where canonical) as mean,
          stddev_samp(val_bpb) filter (where canonical) as std,
          count(*) filter (where original and validation = 'pending')::int as pending,
          count(*) filter (where original and validation = 'valid')::int as verified,
          count(*) filter (where original and validation = 'inconclusive')::int as inconclusive,
          count(*) filter (where not original)::int as replicas,
          count(*) filter (where not original and status in ('queued', 'leased'))::int as replicas_live,
          min(val_bpb) filter (where original and status = 'succeeded' and not simulated and validation = 'pending') as pending_best,
          array_agg(distinct hardware_class order by hardware_class)
            filter (where canonical and hardware_class is not null) as classes,
          bool_or(budget_kind = 'wall') as wall
        from (select *, replica_of_id is null as original, (${sql.raw(CANONICAL_TASK)}) as canonical from task
              where campaign_id = any(${[...campaignIds]}::uuid[])) t
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
      pendingVerification: row.pending,
      verified: row.verified,
      inconclusive: row.inconclusive,
      replicas: row.replicas,
      replicasLive: row.replicas_live,
      pendingBestValBpb:
        row.pending_best != null && (row.best == null || Number(row.pending_best) < Number(row.best)) ? Number(row.pending_best) : null,
    };
  });
}
