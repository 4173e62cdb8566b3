// "What works": the best configs per script, dataset and budget across every public campaign,
// with their seed noise. Only public campaigns count, whoever asks (the shared record is the same
// for everyone; a researcher's private results stay on their campaign pages), and only real
// results (never simulated ones).
import { type Db, rows, sql } from '../../db/sql.ts';
import { CANONICAL_TASK } from '../campaigns/campaign-stats.ts';
import { visibleCampaignSql } from '../campaigns/visibility.ts';
import { type Interval, meanInterval, overlaps } from './noise-band.ts';

export interface ExploreFilter {
  /** A script's SHA-256 or name. */
  script?: string | null;
  /** A dataset's SHA-256 or name. */
  dataset?: string | null;
}

export interface ExploreConfig {
  rank: number;
  config: Record<string, unknown>;
  runs: number;
  seeds: number;
  meanValBpb: number;
  stdValBpb: number | null;
  bestValBpb: number;
  /** 95% interval of the mean over seed replicates; null for a single run. */
  interval: Interval | null;
  /** Whether its interval overlaps the top config's (not shown to be worse); null without both intervals. */
  overlapsTop: boolean | null;
  campaignIds: string[];
}

export interface ExploreGroup {
  /** The grouping key's budget figure: seconds (wall) or amount (compute). */
  budgetValue: number;
  scriptSha256: string;
  datasetSha256: string;
  /** Wall seconds per task, or a compute budget's wall-clock cap (the largest in the group). */
  budgetS: number;
  budgetKind: 'wall' | 'compute';
  /** Compute budgets: the amount per task, in budgetUnit. */
  budgetAmount: number | null;
  budgetUnit: 'tokens' | 'flops' | null;
  resultCount: number;
  configCount: number;
  campaignCount: number;
  /** Pooled within-config standard deviation over replicated configs; null when none was replicated. */
  noiseFloorStd: number | null;
  bestConfigs: ExploreConfig[];
}

interface Row {
  script_id: string;
  dataset_id: string;
  budget_kind: 'wall' | 'compute';
  budget_value: number;
  budget_unit: 'tokens' | 'flops' | null;
  budget_s: number;
  result_count: number;
  config_count: number;
  campaign_count: number;
  noise_floor: number | null;
  rank: number;
  config: Record<string, unknown>;
  runs: number;
  seeds: number;
  mean: number;
  std: number | null;
  best: number;
  campaign_ids: string[];
  vals: number[];
}

export const EXPLORE_MAX_GROUPS = 50;
export const EXPLORE_MAX_CONFIGS = 20;

export class ExploreService {
  private readonly em: Db;

  constructor(em: Db) {
    this.em = em;
  }

  async bestConfigs(filter: ExploreFilter, groups: number, configsPerGroup: number): Promise<ExploreGroup[]> {
    const script = filter.script ?? null;
    const dataset = filter.dataset ?? null;
    const result = await rows<Row>(
      this.em,
      sql`with results as (
            -- Canonical results only (what every figure uses): real, not replicas, valid once verified.
            -- A budget is its kind and amount: compute budgets compare across machines, wall ones by seconds.
            select c.script_sha256 as script_id, c.dataset_sha256 as dataset_id,
              t.budget_kind, t.budget_unit,
              case when t.budget_kind = 'compute' then t.budget_amount else t.budget_s end as budget_value,
              t.budget_s, t.config, t.seed, t.val_bpb, t.campaign_id
            from (select * from task where ${sql.raw(CANONICAL_TASK)}) t
            join campaign c on c.id = t.campaign_id
            join artifact s on s.sha256 = c.script_sha256
            join artifact d on d.sha256 = c.dataset_sha256
            where ${visibleCampaignSql(null, 'c')}
              and t.val_bpb is not null
              and (${script}::text is null or s.sha256 = ${script}::text or s.name = ${script}::text)
              and (${dataset}::text is null or d.sha256 = ${dataset}::text or d.name = ${dataset}::text)
          ),
          configs as (
            select script_id, dataset_id, budget_kind, budget_value, config,
              min(budget_unit) as budget_unit,
              max(budget_s) as budget_s,
              count(*)::int as runs,
              count(distinct seed)::int as seeds,
              avg(val_bpb) as mean,
              stddev_samp(val_bpb) as std,
              min(val_bpb) as best,
              jsonb_agg(distinct campaign_id::text) as campaign_ids,
              jsonb_agg(val_bpb order by val_bpb) as vals,
              row_number() over (partition by script_id, dataset_id, budget_kind, budget_value order by avg(val_bpb), min(val_bpb), count(*) desc)::int as rank
            from results
            group by script_id, dataset_id, budget_kind, budget_value, config
          ),
          groups as (
            select script_id, dataset_id, budget_kind, budget_value,
              min(budget_unit) as budget_unit,
              max(budget_s) as budget_s,
              sum(runs)::int as result_count,
              count(*)::int as config_count,
              -- The pooled within-config std of search/confirm.ts's noiseFloor, over every config of the group.
              sqrt(sum((runs - 1) * std * std) filter (where runs > 1) / nullif(sum(runs - 1) filter (where runs > 1), 0)) as noise_floor
            from configs
            group by script_id, dataset_id, budget_kind, budget_value
          ),
          campaigns as (
            select script_id, dataset_id, budget_kind, budget_value, count(distinct campaign_id)::int as campaign_count
            from results
            group by script_id, dataset_id, budget_kind, budget_value
          ),
          ranked_groups as (
            select g.*, k.campaign_count,
              row_number() over (order by g.result_count desc, g.script_id, g.dataset_id, g.budget_kind, g.budget_value) as group_rank
            from groups g
            join campaigns k using (script_id, dataset_id, budget_kind, budget_value)
          )
          select g.script_id, g.dataset_id, g.budget_kind, g.budget_value, g.budget_unit, g.budget_s, g.result_count, g.config_count, g.campaign_count, g.noise_floor,
            c.rank, c.config, c.runs, c.seeds, c.mean, c.std, c.best, c.campaign_ids, c.vals
          from ranked_groups g
          join configs c using (script_id, dataset_id, budget_kind, budget_value)
          where g.group_rank <= ${groups} and c.rank <= ${configsPerGroup}
          order by g.group_rank, c.rank`,
    );
    const out: ExploreGroup[] = [];
    for (const row of result) {
      let group = out.at(-1);
      if (!group || group.scriptSha256 !== row.script_id || group.datasetSha256 !== row.dataset_id || group.budgetKind !== row.budget_kind || group.budgetValue !== Number(row.budget_value)) {
        group = {
          scriptSha256: row.script_id,
          datasetSha256: row.dataset_id,
          budgetS: row.budget_s,
          budgetKind: row.budget_kind,
          budgetValue: Number(row.budget_value),
          budgetAmount: row.budget_kind === 'compute' ? Number(row.budget_value) : null,
          budgetUnit: row.budget_unit,
          resultCount: row.result_count,
          configCount: row.config_count,
          campaignCount: row.campaign_count,
          noiseFloorStd: row.noise_floor == null ? null : Number(row.noise_floor),
          bestConfigs: [],
        };
        out.push(group);
      }
      const mean = Number(row.mean);
      const std = row.std == null ? null : Number(row.std);
      const interval = meanInterval(row.vals.map(Number));
      const top = group.bestConfigs[0]?.interval ?? null;
      group.bestConfigs.push({
        rank: row.rank,
        config: row.config,
        runs: row.runs,
        seeds: row.seeds,
        meanValBpb: mean,
        stdValBpb: std,
        bestValBpb: Number(row.best),
        interval,
        overlapsTop: row.rank === 1 ? (interval ? true : null) : interval && top ? overlaps(interval, top) : null,
        campaignIds: [...row.campaign_ids].sort(),
      });
    }
    return out;
  }
}
