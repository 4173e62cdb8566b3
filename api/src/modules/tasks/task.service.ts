// Reading tasks and their results. A task (its config, progress, results) is visible exactly when
// its campaign is; fields of a task the caller was allowed to load are readable, while links to
// other types (campaign, worker) go through those types' services and rules again.
import type { Cursor } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import type { Campaign } from '../../db/entities/campaign.entity.ts';
import { RunResult } from '../../db/entities/run-result.entity.ts';
import { Task, type TaskProgress, type TaskStatus } from '../../db/entities/task.entity.ts';
import { type Db, rows, sql, toDate } from '../../db/sql.ts';
import { NotFoundError } from '../../errors.ts';
import type { Viewer } from '../accounts/viewer.ts';
import { canViewCampaign, visibleCampaignsFilter } from '../campaigns/visibility.ts';
import type { CursorPage } from '../pagination.ts';
import { UUID_PATTERN } from '../validation.ts';
import type { LiveLeaseStore, LiveProgress } from './live-leases.ts';

export type TaskOrder = 'INDEX' | 'VAL_BPB' | 'RECENTLY_UPDATED';

export interface ResultPoint {
  taskId: string;
  index: number;
  valBpb: number;
  finishedAt: Date;
  config: Record<string, unknown>;
  simulated: boolean;
  /** pending, valid, inconclusive; null when verification is off. */
  validation: string | null;
}

/** What a task shows of its last heartbeat: the live store's when it is newer than the row's. */
export interface TaskHeartbeat {
  heartbeatAt: Date | null;
  progress: TaskProgress | null;
}

export class TaskService {
  private readonly em: Db;
  private readonly accepted: DataLoader<string, RunResult | null>;
  private readonly leasedBy: DataLoader<string, Task[]>;
  private readonly live: DataLoader<string, LiveProgress | null>;

  constructor(em: Db, viewer: Viewer | null, liveLeases: LiveLeaseStore) {
    this.em = em;
    this.live = new DataLoader((taskIds) => liveLeases.progress(taskIds));
    this.accepted = new DataLoader(async (taskIds) => {
      const results = await em.find(RunResult, { task: { $in: [...taskIds] }, accepted: true });
      const byTask = new Map(results.map((result) => [result.task.id, result]));
      return taskIds.map((id) => byTask.get(id) ?? null);
    });
    // Bound to the request's caller: a worker's current tasks never show campaigns it may not see.
    this.leasedBy = new DataLoader(async (workerIds) => {
      const visible = visibleCampaignsFilter(viewer);
      const where: Record<string, unknown> = { worker: { $in: [...workerIds] }, status: 'leased' };
      if (visible) where.campaign = visible;
      const tasks = await em.find(Task, where, { orderBy: { leasedAt: 'asc' } });
      return workerIds.map((id) => tasks.filter((task) => task.worker?.id === id));
    });
  }

  /** A task the caller may see (its campaign is visible to them), or null. */
  async find(viewer: Viewer | null, taskId: string): Promise<Task | null> {
    if (!UUID_PATTERN.test(taskId)) return null;
    const task = await this.em.findOne(Task, { id: taskId }, { populate: ['campaign'] });
    return task && canViewCampaign(viewer, task.campaign.getEntity()) ? task : null;
  }

  async get(viewer: Viewer | null, taskId: string): Promise<Task> {
    const task = await this.find(viewer, taskId);
    if (!task) throw new NotFoundError('task', `task ${taskId} not found`);
    return task;
  }

  /**
   * The task a lease mutation just reported on. Only for those mutations' payloads: their success
   * proved that the caller holds (or held) the lease, which is what entitles it to the task.
   */
  reported(taskId: string): Promise<Task> {
    return this.em.findOneOrFail(Task, { id: taskId });
  }

  reportedResult(resultId: string): Promise<RunResult> {
    return this.em.findOneOrFail(RunResult, { id: resultId });
  }

  /** Tasks the worker holds a lease on now, of campaigns the caller may see. */
  currentTasks(workerId: string): Promise<Task[]> {
    return this.leasedBy.load(workerId);
  }

  /**
   * The latest heartbeat of a task the caller already holds. Heartbeats between row writes live in
   * the live lease store; they count only while the row is leased to the same token and worker.
   */
  async lastHeartbeat(task: Task): Promise<TaskHeartbeat> {
    const written = { heartbeatAt: task.heartbeatAt ?? null, progress: task.progress ?? null };
    if (task.status !== 'leased' || !task.leaseToken) return written;
    const live = await this.live.load(task.id);
    if (!live || live.token !== task.leaseToken || live.workerId !== task.worker?.id) return written;
    if (written.heartbeatAt && written.heartbeatAt.getTime() > live.heartbeatAt) return written;
    return { heartbeatAt: new Date(live.heartbeatAt), progress: live.progress };
  }

  /** The accepted result of a task the caller already holds. */
  acceptedResult(task: Task): Promise<RunResult | null> {
    return this.accepted.load(task.id);
  }

  /** Every attempt of a task the caller already holds, oldest first. */
  history(task: Task): Promise<RunResult[]> {
    return this.em.find(RunResult, { task: task.id }, { orderBy: { createdAt: 'asc' } });
  }

  list(
    viewer: Viewer | null,
    campaign: Campaign,
    filter: { status?: TaskStatus | null; orderBy?: TaskOrder | null; verifiedOnly?: boolean | null },
    page: CursorPage,
  ): Promise<Cursor<Task>> {
    this.assertVisible(viewer, campaign);
    // Replicas are listed under their original (Task.replicas), not among the campaign's tasks.
    const where: Record<string, unknown> = { campaign: campaign.id, replicaOf: null };
    if (filter.status) where.status = filter.status;
    if (filter.verifiedOnly) where.validation = 'valid';
    if (filter.orderBy === 'VAL_BPB') where.valBpb = { $ne: null };
    const orderBy =
      filter.orderBy === 'VAL_BPB'
        ? { valBpb: 'asc' as const, index: 'asc' as const }
        : filter.orderBy === 'RECENTLY_UPDATED'
          ? { updatedAt: 'desc' as const, index: 'asc' as const }
          : { index: 'asc' as const };
    return this.em.findByCursor(Task, { ...page, where, orderBy });
  }

  /** The campaign's best canonical result's task (valid, or unverified with verification off). */
  best(viewer: Viewer | null, campaign: Campaign): Promise<Task | null> {
    this.assertVisible(viewer, campaign);
    return this.em.findOne(
      Task,
      { campaign: campaign.id, status: 'succeeded', simulated: false, replicaOf: null, valBpb: { $ne: null }, $or: [{ validation: null }, { validation: 'valid' }] },
      { orderBy: { valBpb: 'asc', index: 'asc' } },
    );
  }

  /** A result still awaiting verification that would beat the best canonical one, or null. */
  async pendingBest(viewer: Viewer | null, campaign: Campaign): Promise<Task | null> {
    this.assertVisible(viewer, campaign);
    const pending = await this.em.findOne(
      Task,
      { campaign: campaign.id, status: 'succeeded', simulated: false, replicaOf: null, validation: 'pending', valBpb: { $ne: null } },
      { orderBy: { valBpb: 'asc', index: 'asc' } },
    );
    const best = await this.best(viewer, campaign);
    return pending && (!best || (pending.valBpb ?? Infinity) < (best.valBpb ?? Infinity)) ? pending : null;
  }

  /** The verification runs of a task the caller already holds, oldest first. */
  replicas(task: Task): Promise<Task[]> {
    return this.em.find(Task, { replicaOf: task.id }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  /** The result statistics use for a task the caller already holds: its canonical one once verified. */
  canonicalResult(task: Task): Promise<RunResult | null> {
    if (task.canonicalResultId && task.validation === 'valid') return this.em.findOne(RunResult, { id: task.canonicalResultId });
    if (task.validation == null && task.status === 'succeeded') return this.acceptedResult(task);
    return Promise.resolve(null);
  }

  /** Every succeeded task as a chart point, oldest first (simulated ones flagged). */
  async resultPoints(viewer: Viewer | null, campaign: Campaign): Promise<ResultPoint[]> {
    this.assertVisible(viewer, campaign);
    const points = await rows<{
      id: string;
      index: number;
      val_bpb: number;
      finished_at: string;
      config: Record<string, unknown>;
      simulated: boolean;
      validation: string | null;
    }>(
      this.em,
      // Canonical results and pending ones (marked); never invalid or inconclusive ones, never replicas.
      sql`select id, index, val_bpb, finished_at, config, simulated, validation from task
          where campaign_id = ${campaign.id}::uuid and status = 'succeeded' and val_bpb is not null and replica_of_id is null
            and (validation is null or validation in ('valid', 'pending'))
          order by finished_at, index`,
    );
    return points.map((point) => ({
      taskId: point.id,
      index: point.index,
      valBpb: Number(point.val_bpb),
      finishedAt: toDate(point.finished_at)!,
      config: point.config,
      simulated: point.simulated,
      validation: point.validation,
    }));
  }

  private assertVisible(viewer: Viewer | null, campaign: Campaign): void {
    if (!canViewCampaign(viewer, campaign)) throw new NotFoundError('campaign', `campaign ${campaign.id} not found`);
  }
}
