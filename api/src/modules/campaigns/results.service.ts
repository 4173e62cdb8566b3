// A campaign's results read as a whole: the export rows and the confirm-before-keep verdicts. Both
// are visible exactly when the campaign is.
import type { Campaign } from '../../db/entities/campaign.entity.ts';
import type { TaskMark, TaskRole, TaskStatus } from '../../db/entities/task.entity.ts';
import { type Db, rows, sql, toDate } from '../../db/sql.ts';
import { NotFoundError } from '../../errors.ts';
import type { Viewer } from '../accounts/viewer.ts';
import { type Interval, isBetter, noiseFloor, summarize } from '../search/confirm.ts';
import { type ExportFormat, formatResults, type ResultRow } from './results-export.ts';
import { canonical } from './sampler.ts';
import { canViewCampaign } from './visibility.ts';

export interface Confirmation {
  n: number;
  mean: number;
  /** Sample standard deviation; null with a single run. */
  std: number | null;
  /** The 95% Student-t interval of the mean (a single run borrows the noise floor's); null when unknown. */
  low: number | null;
  high: number | null;
  config: Record<string, unknown>;
  budgetScale: number;
  /** The explore task that was confirmed, and its replicates. */
  taskId: string;
  replicateTaskIds: string[];
  values: number[];
  /** 1 = lowest mean. */
  rank: number;
  /** For the first: better than every other by the intervals; for the rest: the first is better than this one. */
  distinguishable: boolean;
}

export interface ConfirmReport {
  configs: Confirmation[];
  /** Pooled standard deviation of val_bpb across seeds of one config: differences below it are noise. */
  noiseFloor: number | null;
}

export class ResultsService {
  private readonly em: Db;

  constructor(em: Db) {
    this.em = em;
  }

  async rows(viewer: Viewer | null, campaign: Campaign): Promise<ResultRow[]> {
    this.assertVisible(viewer, campaign);
    const found = await rows<{
      id: string;
      index: number;
      parent_task_id: string | null;
      parent_index: number | null;
      description: string | null;
      config: Record<string, unknown>;
      seed: number;
      budget_s: number;
      budget_scale: number;
      role: TaskRole;
      val_bpb: number | null;
      status: TaskStatus;
      mark: TaskMark | null;
      against_index: number | null;
      simulated: boolean;
      finished_at: string | null;
    }>(
      this.em,
      sql`select t.id, t.index, t.parent_task_id, p.index as parent_index, t.description, t.config, t.seed, t.budget_s,
            t.budget_scale, t.role, t.val_bpb, t.status, t.mark, a.index as against_index, t.simulated, t.finished_at
          from task t
          left join task p on p.id = t.parent_task_id and p.campaign_id = t.campaign_id
          left join task a on a.id = t.mark_against_task_id and a.campaign_id = t.campaign_id
          where t.campaign_id = ${campaign.id}::uuid and t.replica_of_id is null
          order by t.index`,
    );
    return found.map((row) => ({
      taskId: row.id,
      task: row.index,
      parentTaskId: row.parent_task_id,
      parent: row.parent_index,
      description: row.description,
      config: row.config,
      seed: row.seed,
      budgetS: row.budget_s,
      budgetScale: Number(row.budget_scale),
      role: row.role,
      valBpb: row.val_bpb === null ? null : Number(row.val_bpb),
      status: row.status,
      mark: row.mark,
      against: row.against_index,
      simulated: row.simulated,
      finishedAt: toDate(row.finished_at),
    }));
  }

  /** Explore tasks the campaign may still add (its budget less confirm's share less what exists). */
  async proposalsRemaining(viewer: Viewer | null, campaign: Campaign): Promise<number> {
    this.assertVisible(viewer, campaign);
    const [row] = await rows<{ explore: number }>(
      this.em,
      sql`select count(*)::int as explore from task where campaign_id = ${campaign.id}::uuid and replica_of_id is null and role = 'explore'`,
    );
    return Math.max(0, campaign.taskCount - campaign.confirmTopK * campaign.confirmSeeds - (row?.explore ?? 0));
  }

  async export(viewer: Viewer | null, campaign: Campaign, format: ExportFormat): Promise<string> {
    return formatResults(await this.rows(viewer, campaign), format);
  }

  /** Each confirmed config: its original run and replicates, mean ± 95% t-interval, ranked. */
  async confirmations(viewer: Viewer | null, campaign: Campaign): Promise<ConfirmReport> {
    const all = await this.rows(viewer, campaign);
    const byId = new Map(all.map((row) => [row.taskId, row]));
    const groups = new Map<string, { original: ResultRow; replicates: ResultRow[] }>();
    for (const row of all) {
      if (row.role !== 'confirm' || !row.parentTaskId) continue;
      const original = byId.get(row.parentTaskId);
      if (!original) continue;
      const group = groups.get(original.taskId) ?? { original, replicates: [] };
      group.replicates.push(row);
      groups.set(original.taskId, group);
    }
    const summaries = [...groups.values()].flatMap(({ original, replicates }) => {
      const values = [original, ...replicates].flatMap((row) => (row.status === 'succeeded' && row.valBpb !== null ? [row.valBpb] : []));
      if (!values.length) return [];
      return [{ original, replicates, values }];
    });
    const noise = noiseFloor(summaries.map((entry) => entry.values));
    const intervals = new Map(summaries.map((entry) => [entry, summarize(entry.values, { noise })]));
    const interval = (entry: (typeof summaries)[number]): Interval => intervals.get(entry)!;
    summaries.sort((a, b) => interval(a).mean - interval(b).mean || a.original.task - b.original.task);
    const best = summaries[0];
    const finite = (value: number) => (Number.isFinite(value) ? value : null);
    const configs = summaries.map((entry, i) => ({
      n: interval(entry).n,
      mean: interval(entry).mean,
      std: entry.values.length > 1 ? interval(entry).sd : null,
      low: finite(interval(entry).low),
      high: finite(interval(entry).high),
      config: canonical(entry.original.config),
      budgetScale: entry.original.budgetScale,
      taskId: entry.original.taskId,
      replicateTaskIds: entry.replicates.map((row) => row.taskId),
      values: entry.values,
      rank: i + 1,
      distinguishable:
        i === 0 ? summaries.length > 1 && summaries.slice(1).every((other) => isBetter(interval(entry), interval(other))) : isBetter(interval(best!), interval(entry)),
    }));
    return { configs, noiseFloor: noise?.sd ?? null };
  }

  private assertVisible(viewer: Viewer | null, campaign: Campaign): void {
    if (!canViewCampaign(viewer, campaign)) throw new NotFoundError('campaign', `campaign ${campaign.id} not found`);
  }
}
