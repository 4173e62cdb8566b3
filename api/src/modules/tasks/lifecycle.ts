// Every task transition, one writing statement each (sql/*.ts, one file per state change), with
// the live events it causes. lease-state.ts draws the state machine and explains refusals. Callers check
// permissions and parse input first (LeaseService for workers, CampaignService for owners, the
// reaper for expiry); nothing else writes task.status.
import { randomUUID } from 'node:crypto';
import type { Env } from '../../env.ts';
import type { TaskProgress, TaskStatus } from '../../db/entities/task.entity.ts';
import type { HotSql } from '../../db/hot-sql.ts';
import { type Db, run, toDate } from '../../db/sql.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { taskReward } from '../ledger/pricing.ts';
import { type LeaseClaim, type LeaseRow, rejection } from './lease-state.ts';
import type { ReportedFailure, ReportedResult } from './report-input.ts';
import { cancelTasks } from './sql/cancel-tasks.ts';
import { completeTask, completionState } from './sql/complete-task.ts';
import { campaignBudget, createTasks, type Proposal } from './sql/create-tasks.ts';
import { expireLeases } from './sql/expire-leases.ts';
import { failTask, failureState } from './sql/fail-task.ts';
import { heartbeat } from './sql/heartbeat.ts';
import { type LeasedRow, leaseTasks } from './sql/lease-tasks.ts';
import { releaseTask } from './sql/release-task.ts';
import { taskState } from './sql/task-state.ts';

export type { Proposal } from './sql/create-tasks.ts';
export type { LeasedRow } from './sql/lease-tasks.ts';

/** The worker a lease belongs to. */
export interface LeaseHolder {
  workerId: string;
  accountId: string;
  /** A simulating worker only gets tasks of campaigns that allow it, and its results pay nothing. */
  simulated: boolean;
}

export interface HeartbeatAck {
  taskId: string;
  expiresAt: Date;
}

export interface CompletionAck {
  taskId: string;
  campaignId: string;
  resultId: string;
  duplicate: boolean;
  creditsEarned: number;
}

export interface FailureAck {
  taskId: string;
  campaignId: string;
  status: TaskStatus;
  willRetry: boolean;
  duplicate: boolean;
}

/** What a transition inside the caller's transaction changed; announce() it once that committed. */
export interface TaskChanges {
  campaignId: string;
  taskIds: string[];
  workerIds: string[];
}

export class TaskLifecycle {
  private readonly em: Db;
  private readonly hot: HotSql;
  private readonly events: EventBus;
  private readonly env: Pick<Env, 'XEENET_LEASE_TTL_S' | 'XEENET_CREDITS_PER_TASK_SECOND'>;
  private readonly ledger: LedgerService;

  constructor(em: Db, hot: HotSql, events: EventBus, env: TaskLifecycle['env'], ledger: LedgerService) {
    this.em = em;
    this.hot = hot;
    this.events = events;
    this.env = env;
    this.ledger = ledger;
  }

  /**
   * create: queued tasks from proposals, inside the caller's transaction `tx` (a submission, or a
   * strategy adding work to a running campaign). It reserves no credits: the caller does first
   * (LedgerService.openEscrow at submission, LedgerService.reserve for work added later).
   */
  async create(tx: Db, campaignId: string, proposals: readonly Proposal[]): Promise<TaskChanges> {
    const [campaign] = await run(tx, campaignBudget(campaignId));
    if (!campaign || !proposals.length) return { campaignId, taskIds: [], workerIds: [] };
    const priced = proposals.map((proposal) => {
      const budgetS = proposal.budgetS ?? campaign.budget_s;
      return { ...proposal, budgetS, reward: taskReward(budgetS, this.env.XEENET_CREDITS_PER_TASK_SECOND) };
    });
    const created = await run(tx, createTasks(campaignId, priced));
    return { campaignId, taskIds: created.map((row) => row.id), workerIds: [] };
  }

  /** Publishes what create or cancel changed, after the transaction that did it committed. */
  announce(changes: TaskChanges): void {
    for (const taskId of changes.taskIds) this.events.taskChanged(changes.campaignId, taskId);
    for (const workerId of changes.workerIds) this.events.workerChanged(workerId);
    this.events.campaignChanged(changes.campaignId);
  }

  /** lease: up to maxTasks queue heads in one statement; an empty list means the queue is empty. */
  async lease(holder: LeaseHolder, maxTasks: number): Promise<LeasedRow[]> {
    const leased = await this.hot.rows(
      this.em,
      leaseTasks({ workerId: holder.workerId, simulatedWorker: holder.simulated, maxTasks, ttlS: this.env.XEENET_LEASE_TTL_S }),
    );
    for (const row of leased) this.events.taskChanged(row.campaign_id, row.id);
    this.events.workerChanged(holder.workerId);
    return leased;
  }

  /** heartbeat: extends the lease and stores progress (reclaiming a requeued, not re-leased task). */
  async heartbeat(claim: LeaseClaim, progress: TaskProgress | null): Promise<HeartbeatAck> {
    const row = await this.hot.first(this.em, heartbeat(claim, progress ? JSON.stringify(progress) : null, this.env.XEENET_LEASE_TTL_S));
    if (!row) throw rejection(await this.state(claim.taskId), claim);
    this.events.taskChanged(row.campaign_id, row.id);
    this.events.workerChanged(claim.workerId);
    return { taskId: row.id, expiresAt: toDate(row.lease_expires_at)! };
  }

  /** complete: records the result and pays for it at once. Repeating it returns the first outcome. */
  async complete(holder: LeaseHolder, claim: LeaseClaim, result: ReportedResult): Promise<CompletionAck> {
    // A simulating worker's results are always marked simulated, whatever it claims.
    const simulated = result.simulated || holder.simulated;
    const resultId = randomUUID();
    const wallet = simulated ? null : await this.ledger.walletId(holder.accountId);
    const done = await this.hot.first(this.em, completeTask(claim, { ...result, resultId, simulated }, wallet));
    if (done) {
      const reward = simulated ? 0 : Number(done.reward);
      this.events.taskChanged(done.campaign_id, claim.taskId);
      this.events.workerChanged(claim.workerId);
      if (reward > 0) this.events.balanceChanged(holder.accountId);
      return { taskId: claim.taskId, campaignId: done.campaign_id, resultId, duplicate: false, creditsEarned: reward };
    }
    const previous = await this.hot.first(this.em, completionState(claim));
    if (previous?.status === 'succeeded' && previous.result_id && previous.worker_id === claim.workerId) {
      const creditsEarned = previous.simulated ? 0 : Number(previous.reward);
      return { taskId: claim.taskId, campaignId: previous.campaign_id, resultId: previous.result_id, duplicate: true, creditsEarned };
    }
    throw rejection(previous, claim);
  }

  /** fail: requeued while attempts remain and the failure may pass, else failed; the attempt is kept. */
  async fail(holder: LeaseHolder, claim: LeaseClaim, failure: ReportedFailure): Promise<FailureAck> {
    const outcome = await this.hot.first(this.em, failTask(claim, { ...failure, simulated: holder.simulated }));
    if (outcome) {
      this.events.taskChanged(outcome.campaign_id, claim.taskId);
      this.events.workerChanged(claim.workerId);
      return { taskId: claim.taskId, campaignId: outcome.campaign_id, status: outcome.status, willRetry: outcome.status === 'queued', duplicate: false };
    }
    const previous = await this.hot.first(this.em, failureState(claim));
    if (previous?.reported) {
      return { taskId: claim.taskId, campaignId: previous.campaign_id, status: previous.status, willRetry: previous.status === 'queued', duplicate: true };
    }
    throw rejection(previous, claim);
  }

  /** release: back to the queue without counting the attempt (the worker is shutting down). */
  async release(claim: LeaseClaim): Promise<{ taskId: string }> {
    const row = await this.hot.first(this.em, releaseTask(claim));
    if (!row) throw rejection(await this.state(claim.taskId), claim);
    this.events.taskChanged(row.campaign_id, claim.taskId);
    this.events.workerChanged(claim.workerId);
    return { taskId: claim.taskId };
  }

  /** expire: leases past their expiry go back to the queue, or fail after their last attempt. */
  async expire(): Promise<{ requeued: number; failed: number }> {
    const expired = await run(this.em, expireLeases());
    for (const task of expired) {
      this.events.taskChanged(task.campaign_id, task.id);
      if (task.worker_id) this.events.workerChanged(task.worker_id);
    }
    return {
      requeued: expired.filter((task) => task.status === 'queued').length,
      failed: expired.filter((task) => task.status === 'failed').length,
    };
  }

  /** cancel: every live task of the campaign, inside the caller's transaction `tx`. */
  async cancel(tx: Db, campaignId: string): Promise<TaskChanges> {
    const cancelled = await run(tx, cancelTasks(campaignId));
    const leased = cancelled.filter((task) => task.was_leased);
    return {
      campaignId,
      taskIds: leased.map((task) => task.id),
      workerIds: [...new Set(leased.flatMap((task) => (task.worker_id ? [task.worker_id] : [])))],
    };
  }

  private state(taskId: string): Promise<LeaseRow | undefined> {
    return this.hot.first(this.em, taskState(taskId));
  }
}
