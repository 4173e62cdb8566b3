// Every task transition, one writing statement each (sql/*.ts, one file per state change), with
// the live events it causes. Heartbeats write the row at most once per write interval and keep the
// beats between in the live lease store (live-leases.ts); every transition that ends a lease
// forgets it there. lease-state.ts draws the state machine and explains refusals. Callers check
// permissions and parse input first (LeaseService for workers, CampaignService for owners, the
// reaper for expiry); nothing else writes task.status.
import { randomUUID } from 'node:crypto';
import { budgetProblems } from '@xeenet/contract';
import type { Env } from '../../env.ts';
import type { TaskProgress } from '../../db/entities/task.entity.ts';
import type { HotSql } from '../../db/hot-sql.ts';
import { type Db, run, toDate } from '../../db/sql.ts';
import type { ValidationState } from '../../db/entities/task.entity.ts';
import type { CreditState } from '../../db/entities/run-result.entity.ts';
import { ExcludedError, QuotaExceededError, ValidationError } from '../../errors.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { pricingRates, taskPrice } from '../ledger/pricing.ts';
import { PRESENCE_WRITE_S } from '../workers/worker.service.ts';
import { type LeaseClaim, type LeaseRow, rejection } from './lease-state.ts';
import { heartbeatWriteIntervalMs, type LiveLeaseStore } from './live-leases.ts';
import type { ReportedFailure, ReportedResult } from './report-input.ts';
import { cancelTasks } from './sql/cancel-tasks.ts';
import { completeTask, completionState } from './sql/complete-task.ts';
import { createReplica, type ReplicaSpec } from './sql/create-replica.ts';
import { campaignBudget, createTasks, type Proposal } from './sql/create-tasks.ts';
import { expireLeases } from './sql/expire-leases.ts';
import { failTask, failureState } from './sql/fail-task.ts';
import { heartbeat } from './sql/heartbeat.ts';
import { type LeaseGate, type LeasedRow, leaseGateState, leaseTasks, whyNothingFits } from './sql/lease-tasks.ts';
import { LeaseBatcher } from './lease-batcher.ts';
import { type RefusalCode, refuseTask } from './sql/refuse-task.ts';
import { releaseTask } from './sql/release-task.ts';
import { taskBudget, taskState } from './sql/task-state.ts';
import { moveCreditState, setResultValidation, setTaskValidation, type VerdictRow } from './sql/validate.ts';

export type { Proposal } from './sql/create-tasks.ts';
export type { LeasedRow } from './sql/lease-tasks.ts';
export type { ReplicaSpec } from './sql/create-replica.ts';
export type { VerdictRow } from './sql/validate.ts';
export type { CompletionAck, EmptyLeaseReason, FailureAck, HeartbeatAck, LeaseHolder, TaskChanges } from './lifecycle-types.ts';
import type { CompletionAck, EmptyLeaseReason, FailureAck, HeartbeatAck, LeaseHolder, TaskChanges } from './lifecycle-types.ts';
import { type GateEnv, leaseGate } from './lease-gate.ts';

/**
 * A task's budget and config never change once created; the lease hands them out, so the
 * completion's sanity bounds read them from here instead of the database (bounded, oldest out;
 * a miss, e.g. a lease made by another replica, reads the row).
 */
const leasedBudgets = new Map<string, { budgetS: number; config: Record<string, unknown> }>();
const LEASED_BUDGETS_MAX = 100_000;

export class TaskLifecycle {
  private readonly em: Db;
  private readonly hot: HotSql;
  private readonly events: EventBus;
  private readonly env: Pick<
    Env,
    | 'XEENET_LEASE_TTL_S'
    | 'XEENET_CREDITS_PER_TASK_SECOND'
    | 'XEENET_CREDITS_PER_GPU_SECOND'
    | 'XEENET_CREDITS_PER_TFLOP'
    | 'XEENET_CREDITS_PER_MILLION_TOKENS'
    | 'XEENET_CAP_MARGIN'
    | 'XEENET_CAP_OVERHEAD_S'
    | 'XEENET_HEARTBEAT_WRITE_S'
    | 'XEENET_VERIFICATION'
    | 'XEENET_TRUST_AFTER_VALID'
    | 'XEENET_INITIAL_DAILY_QUOTA'
    | 'XEENET_MAX_PENDING_UNPROVEN'
  >;
  private readonly ledger: LedgerService;
  private readonly live: LiveLeaseStore;
  private readonly batcher: LeaseBatcher | null;

  constructor(
    em: Db,
    hot: HotSql,
    events: EventBus,
    env: TaskLifecycle['env'],
    ledger: LedgerService,
    shared: { live: LiveLeaseStore; leaseBatcher: LeaseBatcher | null },
  ) {
    this.em = em;
    this.hot = hot;
    this.events = events;
    this.env = env;
    this.ledger = ledger;
    this.live = shared.live;
    this.batcher = shared.leaseBatcher;
  }

  /**
   * The process-wide batcher of lease requests (null when XEENET_LEASE_BATCH_MAX is 1): one lease
   * statement for all the requests that arrive together. `em` gives the connection where there is
   * no hot pool (PGlite).
   */
  static leaseBatcher(
    hot: HotSql,
    em: () => Db,
    env: Pick<Env, 'XEENET_LEASE_TTL_S' | 'XEENET_LEASE_BATCH_MAX' | 'XEENET_CAP_MARGIN' | 'XEENET_CAP_OVERHEAD_S'> & GateEnv,
    onBatch?: (size: number) => void,
  ): LeaseBatcher | null {
    if (env.XEENET_LEASE_BATCH_MAX <= 1) return null;
    const caps = { capMargin: env.XEENET_CAP_MARGIN, capOverheadS: env.XEENET_CAP_OVERHEAD_S, gate: leaseGate(env) };
    return new LeaseBatcher({
      run: (requests, simulatedWorkers) =>
        hot.rows(em(), leaseTasks({ requests, simulatedWorkers, ttlS: env.XEENET_LEASE_TTL_S, presenceS: PRESENCE_WRITE_S, ...caps })),
      maxBatch: env.XEENET_LEASE_BATCH_MAX,
      onBatch,
    });
  }

  /**
   * create: queued tasks from proposals, inside the caller's transaction `tx` (a submission, or a
   * strategy adding work to a running campaign). It reserves no credits: the caller does first
   * (LedgerService.openEscrow at submission, LedgerService.reserve for work added later).
   */
  async create(tx: Db, campaignId: string, proposals: readonly Proposal[]): Promise<TaskChanges> {
    const [campaign] = await run(tx, campaignBudget(campaignId));
    if (!campaign || !proposals.length) return { campaignId, taskIds: [], workerIds: [] };
    const rates = pricingRates(this.env);
    const priced = proposals.map((proposal) => {
      const budgetS = proposal.budgetS ?? campaign.budget_s;
      if (campaign.budget_kind === 'compute') {
        // ASHA rungs multiply the work (and the loop scaled the cap in budgetS).
        const amount = proposal.budgetAmount ?? Number(campaign.budget_amount) * (proposal.budgetScale ?? 1);
        return { ...proposal, budgetS, budgetAmount: amount, reward: taskPrice({ kind: 'compute', unit: campaign.budget_unit!, amount }, rates) };
      }
      const reward = taskPrice({ kind: 'wall', seconds: budgetS, rateClass: campaign.budget_hardware ?? 'cpu' }, rates);
      return { ...proposal, budgetS, budgetAmount: null, reward };
    });
    const created = await run(tx, createTasks(campaignId, priced));
    return { campaignId, taskIds: created.map((row) => row.id), workerIds: [] };
  }

  /** Publishes what create or cancel changed, after the transaction that did it committed. */
  announce(changes: TaskChanges): void {
    // Cancelled leases: their holders' next heartbeat must reach the row and learn of it. Should
    // Redis fail here, a holder still learns of it once its entry ages out (one write interval).
    this.live.forget(changes.taskIds).catch(() => {});
    for (const taskId of changes.taskIds) this.events.taskChanged(changes.campaignId, taskId);
    for (const workerId of changes.workerIds) this.events.workerChanged(workerId);
    this.events.campaignChanged(changes.campaignId);
  }

  /** lease: up to maxTasks queue heads, in one statement with the requests that came at the same time; an empty list means the queue is empty. */
  async lease(holder: LeaseHolder, maxTasks: number): Promise<LeasedRow[]> {
    const sentAt = performance.now();
    const request = { workerId: holder.workerId, maxTasks };
    const alone = () =>
      this.hot.rows(
        this.em,
        leaseTasks({ requests: [request], simulatedWorkers: holder.simulated, ttlS: this.env.XEENET_LEASE_TTL_S, presenceS: PRESENCE_WRITE_S, ...this.caps() }),
      );
    const leased = this.batcher ? await this.batcher.lease({ ...request, simulated: holder.simulated }) : await alone();
    // Nothing leased: an exclusion or a spent quota says so; an empty queue is just empty.
    if (!leased.length) await this.refuseGated(holder);
    for (const row of leased) {
      leasedBudgets.set(row.id, { budgetS: row.budget_s, config: row.config });
      if (leasedBudgets.size > LEASED_BUDGETS_MAX) leasedBudgets.delete(leasedBudgets.keys().next().value!);
    }
    // The lease wrote the row: the first heartbeats need not.
    await Promise.all(
      leased.map((row) =>
        this.remember(row.id, { token: row.lease_token, workerId: holder.workerId, campaignId: row.campaign_id, expiresAt: row.lease_expires_at, message: null }, sentAt),
      ),
    );
    for (const row of leased) this.events.taskChanged(row.campaign_id, row.id);
    this.events.workerChanged(holder.workerId);
    return leased;
  }

  /** How a calibrated worker's wall-clock cap is fitted (expected seconds × margin + overhead), and verification's gate. */
  private caps(): { capMargin: number; capOverheadS: number; gate: LeaseGate } {
    return { capMargin: this.env.XEENET_CAP_MARGIN, capOverheadS: this.env.XEENET_CAP_OVERHEAD_S, gate: leaseGate(this.env) };
  }

  /** After an empty lease: a typed error when the worker's owner is excluded or its daily quota is spent. */
  private async refuseGated(holder: LeaseHolder): Promise<void> {
    const gate = await this.hot.first(this.em, leaseGateState(holder.workerId));
    if (gate?.excluded) throw new ExcludedError(gate.excluded_reason ?? 'too many invalid results');
    const quota = gate?.quota ?? this.env.XEENET_INITIAL_DAILY_QUOTA;
    if (this.env.XEENET_VERIFICATION !== 'off' && !holder.simulated && gate && gate.used_today >= quota) {
      const now = new Date();
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      throw new QuotaExceededError(quota, Math.ceil((midnight - now.getTime()) / 1000));
    }
  }

  /** After an empty lease: whether queued tasks exist that this worker is too slow for, or that need another class. */
  async whyEmpty(holder: LeaseHolder): Promise<EmptyLeaseReason> {
    const row = await this.hot.first(
      this.em,
      whyNothingFits({
        workerId: holder.workerId,
        simulatedWorker: holder.simulated,
        capOverheadS: this.env.XEENET_CAP_OVERHEAD_S,
        trustAfterValid: this.env.XEENET_TRUST_AFTER_VALID,
      }),
    );
    return row?.too_slow ? 'too_slow' : row?.other_class ? 'other_hardware' : 'queue_empty';
  }

  /**
   * heartbeat: leased → leased. Within the write interval of the last row write (and with no new
   * progress message) it only records the progress in the live store; otherwise it extends the
   * lease in the row and stores the progress there too (reclaiming a requeued, not re-leased task).
   */
  async heartbeat(claim: LeaseClaim, progress: TaskProgress | null): Promise<HeartbeatAck> {
    const receivedAt = Date.now();
    const known = await this.live.beat(claim.taskId, { token: claim.leaseToken, workerId: claim.workerId, progress, heartbeatAt: receivedAt });
    const message = progress?.message ?? null;
    if (known && known.token === claim.leaseToken && known.workerId === claim.workerId && (message === null || message === known.message)) {
      this.events.taskChanged(known.campaignId, claim.taskId);
      this.events.workerChanged(claim.workerId);
      return { taskId: claim.taskId, expiresAt: new Date(known.expiresAt), written: false };
    }
    const sentAt = performance.now();
    const row = await this.hot.first(
      this.em,
      heartbeat(claim, progress ? JSON.stringify(progress) : null, this.env.XEENET_LEASE_TTL_S, PRESENCE_WRITE_S),
    );
    if (!row) {
      await this.live.forget([claim.taskId]);
      throw rejection(await this.state(claim.taskId), claim);
    }
    await this.remember(row.id, { token: claim.leaseToken, workerId: claim.workerId, campaignId: row.campaign_id, expiresAt: row.lease_expires_at, message }, sentAt);
    this.events.taskChanged(row.campaign_id, row.id);
    this.events.workerChanged(claim.workerId);
    return { taskId: row.id, expiresAt: toDate(row.lease_expires_at)!, written: true };
  }

  /** After a row write sent at sentAt (performance.now()): heartbeats skip the database until the write interval has passed. */
  private remember(taskId: string, lease: { token: string; workerId: string; campaignId: string; expiresAt: string | Date; message: string | null }, sentAt: number) {
    const validMs = heartbeatWriteIntervalMs(this.env) - (performance.now() - sentAt);
    return this.live.written(taskId, { ...lease, expiresAt: toDate(lease.expiresAt)!.getTime() }, validMs);
  }

  /** complete: records the result and pays for it at once. Repeating it returns the first outcome. */
  async complete(holder: LeaseHolder, claim: LeaseClaim, result: ReportedResult): Promise<CompletionAck> {
    // A simulating worker's results are always marked simulated, whatever it claims.
    const simulated = result.simulated || holder.simulated;
    const resultId = randomUUID();
    // With verification on, a real result pays nothing here: VerificationService pays once it is valid.
    const verifying = this.env.XEENET_VERIFICATION !== 'off' && !simulated;
    const wallet = simulated || verifying ? null : await this.ledger.walletId(holder.accountId);
    const creditState: CreditState = simulated ? 'none' : verifying ? 'pending' : 'granted';
    const metrics = result.metricsJson ? (JSON.parse(result.metricsJson) as Record<string, unknown>) : null;
    // The contract's sanity bounds against this task's budget (steps, tokens, wall time). Refused
    // only when the claim holds the lease: anyone else gets the lease refusal below.
    const budget = leasedBudgets.get(claim.taskId) ?? (await this.taskBudget(claim.taskId));
    if (budget) {
      const problems = budgetProblems({ steps: result.steps, wallS: result.wallS, tokens: metrics?.tokens }, budget);
      if (problems.length) {
        const task = await this.hot.first(this.em, taskBudget(claim.taskId));
        const holds = task && task.lease_token === claim.leaseToken && task.worker_id === claim.workerId && (task.status === 'leased' || task.status === 'queued');
        if (holds) throw new ValidationError(problems);
      }
    }
    const hardwareClass = result.hardwareClass;
    const record = { ...result, resultId, simulated, validation: verifying ? ('pending' as const) : null, creditState, hardwareClass };
    const done = await this.hot.first(this.em, completeTask(claim, record, wallet));
    if (done) {
      await this.live.forget([claim.taskId]);
      leasedBudgets.delete(claim.taskId);
      const reward = creditState === 'granted' ? Number(done.reward) : 0;
      this.events.taskChanged(done.campaign_id, claim.taskId);
      this.events.workerChanged(claim.workerId);
      if (reward > 0) this.events.balanceChanged(holder.accountId);
      return { taskId: claim.taskId, campaignId: done.campaign_id, resultId, duplicate: false, creditsEarned: reward, pendingVerification: verifying };
    }
    const previous = await this.hot.first(this.em, completionState(claim));
    if (previous?.status === 'succeeded' && previous.result_id && previous.worker_id === claim.workerId) {
      // Results recorded before verification existed have no credit state: they were paid at once.
      const granted = previous.credit_state === 'granted' || (previous.credit_state === null && !previous.simulated);
      const creditsEarned = granted ? Number(previous.reward) : 0;
      return {
        taskId: claim.taskId,
        campaignId: previous.campaign_id,
        resultId: previous.result_id,
        duplicate: true,
        creditsEarned,
        pendingVerification: previous.credit_state === 'pending',
      };
    }
    throw rejection(previous, claim);
  }

  /** fail: requeued while attempts remain and the failure may pass, else failed; the attempt is kept. */
  async fail(holder: LeaseHolder, claim: LeaseClaim, failure: ReportedFailure): Promise<FailureAck> {
    const outcome = await this.hot.first(this.em, failTask(claim, { ...failure, simulated: holder.simulated }));
    if (outcome) {
      await this.live.forget([claim.taskId]);
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
    await this.live.forget([claim.taskId]);
    this.events.taskChanged(row.campaign_id, claim.taskId);
    this.events.workerChanged(claim.workerId);
    return { taskId: claim.taskId };
  }

  /**
   * refuse: back to the queue without counting the attempt, and excluded for this worker from now
   * on (the lease statement skips tasks it refused), so other workers' attempts are untouched.
   */
  async refuse(claim: LeaseClaim, refusal: { code: RefusalCode; reason: string }): Promise<{ taskId: string }> {
    const row = await this.hot.first(this.em, refuseTask(claim, refusal));
    if (!row) throw rejection(await this.state(claim.taskId), claim);
    this.events.taskChanged(row.campaign_id, claim.taskId);
    this.events.workerChanged(claim.workerId);
    return { taskId: claim.taskId };
  }

  /** expire: leases past their expiry go back to the queue, or fail after their last attempt. */
  async expire(): Promise<{ requeued: number; failed: number; failedIds: string[] }> {
    const expired = await run(this.em, expireLeases());
    await this.live.forget(expired.map((task) => task.id));
    for (const task of expired) {
      this.events.taskChanged(task.campaign_id, task.id);
      if (task.worker_id) this.events.workerChanged(task.worker_id);
    }
    return {
      requeued: expired.filter((task) => task.status === 'queued').length,
      failed: expired.filter((task) => task.status === 'failed').length,
      failedIds: expired.filter((task) => task.status === 'failed').map((task) => task.id),
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

  // The validation transitions (VerificationService decides; these write). All run inside the
  // caller's transaction `tx`, which holds the original task's row lock.

  /** A replica of an original task for a running campaign, or null when the campaign is not running. */
  async createReplica(tx: Db, originalId: string, spec: ReplicaSpec): Promise<{ id: string; campaignId: string; reward: number } | null> {
    const [row] = await run(tx, createReplica(originalId, spec));
    return row ? { id: row.id, campaignId: row.campaign_id, reward: Number(row.reward) } : null;
  }

  /** Sets results' verdict; returns what each was before (for reputation and credits). */
  setResultValidation(tx: Db, resultIds: readonly string[], validation: ValidationState): Promise<VerdictRow[]> {
    return resultIds.length ? run(tx, setResultValidation(resultIds, validation)) : Promise.resolve([]);
  }

  /** Moves a result's credit state from `from` to `to`; false when it was not in `from` (paid or clawed back already). */
  async moveCreditState(tx: Db, resultId: string, from: CreditState, to: CreditState): Promise<boolean> {
    return (await run(tx, moveCreditState(resultId, from, to))).length === 1;
  }

  /** The original task's verdict and canonical result; announces nothing (the caller does after commit). */
  async setTaskValidation(tx: Db, originalId: string, validation: ValidationState, canonicalResultId: string | null): Promise<void> {
    await run(tx, setTaskValidation(originalId, validation, canonicalResultId));
  }

  private async taskBudget(taskId: string): Promise<{ budgetS: number; config: Record<string, unknown> } | null> {
    const task = await this.hot.first(this.em, taskBudget(taskId));
    return task ? { budgetS: task.budget_s, config: task.config } : null;
  }

  private state(taskId: string): Promise<LeaseRow | undefined> {
    return this.hot.first(this.em, taskState(taskId));
  }
}
