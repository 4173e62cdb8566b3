// Leasing: every state change is one SQL statement that both checks and writes, so concurrent
// workers, duplicate reports and the reaper can never interleave into a lost or doubled result.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import type { TaskProgress, TaskStatus } from '../../db/entities/task.entity.ts';
import type { HotSql } from '../../db/hot-sql.ts';
import { type Db, toDate } from '../../db/sql.ts';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '../../errors.ts';
import { requireWorker, type Viewer, type WorkerViewer } from '../accounts/viewer.ts';
import type { ArtifactInfo, ArtifactService } from '../artifacts/artifact.service.ts';
import { CreditService } from '../credits/credit.service.ts';
import type { EventBus } from '../events/event-bus.ts';
import { parseInput, UUID_PATTERN } from '../validation.ts';
import { type LeaseClaim, type LeaseRow, rejection } from './lease-state.ts';
import { COMPLETE, COMPLETION_STATE, FAIL, FAILURE_STATE, HEARTBEAT, LEASE, LEASE_STATE, RELEASE } from './lease.sql.ts';

export const MAX_TASKS_PER_LEASE = 16;
export const MAX_TAIL_BYTES = 16 * 1024;
export const MAX_METRICS_BYTES = 64 * 1024;
export const MAX_REASON_LENGTH = 2000;

export interface LeaseGrant {
  taskId: string;
  campaignId: string;
  index: number;
  config: Record<string, unknown>;
  seed: number;
  budgetS: number;
  attempt: number;
  maxAttempts: number;
  leaseToken: string;
  expiresAt: Date;
  script: ArtifactInfo;
  dataset: ArtifactInfo;
}

export interface HeartbeatAck {
  taskId: string;
  expiresAt: Date;
}

export interface CompletionAck {
  taskId: string;
  resultId: string;
  duplicate: boolean;
  creditsEarned: number;
}

export interface FailureAck {
  taskId: string;
  status: TaskStatus;
  willRetry: boolean;
  duplicate: boolean;
}

const finiteNumber = (label: string) =>
  z.number({ error: `${label} is required and must be a finite number` }).refine(Number.isFinite, `${label} must be a finite number`);

const claimSchema = z.object({
  taskId: z.string().regex(UUID_PATTERN, 'is not a task id'),
  leaseToken: z.string().regex(UUID_PATTERN, 'is not a lease token'),
});

const progressSchema = z
  .object({
    step: z.number().int().min(0).nullish(),
    trainLoss: z.number().refine(Number.isFinite, 'must be a finite number').nullish(),
    elapsedS: z.number().min(0).refine(Number.isFinite, 'must be a finite number').nullish(),
    message: z.string().max(500).nullish(),
  })
  .nullish();

const resultSchema = z.object({
  valBpb: finiteNumber('valBpb').pipe(z.number().gt(0, 'valBpb must be positive').max(64, 'valBpb above 64 bits per byte is not a real measurement')),
  trainLoss: finiteNumber('trainLoss').pipe(z.number().min(0, 'trainLoss cannot be negative')),
  steps: z.number({ error: 'steps is required' }).int('steps must be an integer').min(0),
  wallS: finiteNumber('wallS').pipe(z.number().min(0, 'wallS cannot be negative')),
  metrics: z.record(z.string(), z.unknown()).nullish(),
  stdoutTail: z.string().nullish(),
  simulated: z.boolean().default(false),
});

const failureSchema = z.object({
  reason: z.string().trim().min(1, 'a reason is required').max(MAX_REASON_LENGTH),
  stdoutTail: z.string().nullish(),
  stderrTail: z.string().nullish(),
  retryable: z.boolean().default(true),
});

function checkTail(value: string | null | undefined, field: string): void {
  if (value && Buffer.byteLength(value, 'utf8') > MAX_TAIL_BYTES) throw new PayloadTooLargeError(field, MAX_TAIL_BYTES);
}

export class LeaseService {
  private readonly em: Db;
  private readonly env: Env;
  private readonly events: EventBus;
  private readonly artifacts: ArtifactService;
  private readonly hot: HotSql;

  constructor(em: Db, env: Env, events: EventBus, artifacts: ArtifactService, hot: HotSql) {
    this.em = em;
    this.env = env;
    this.events = events;
    this.artifacts = artifacts;
    this.hot = hot;
  }

  /** Claims up to maxTasks queued tasks in one statement; an empty list means the queue is empty. */
  async lease(viewer: Viewer | null, maxTasks = 1): Promise<LeaseGrant[]> {
    const worker = requireWorker(viewer);
    if (!Number.isInteger(maxTasks) || maxTasks < 1 || maxTasks > MAX_TASKS_PER_LEASE) {
      throw new ValidationError([{ path: ['maxTasks'], message: `must be an integer from 1 to ${MAX_TASKS_PER_LEASE}` }]);
    }
    const ttl = this.env.XEENET_LEASE_TTL_S;
    const leased = await this.hot.rows<{
      id: string;
      campaign_id: string;
      index: number;
      config: Record<string, unknown>;
      seed: number;
      budget_s: number;
      attempts: number;
      max_attempts: number;
      lease_token: string;
      lease_expires_at: string | Date;
      script_sha256: string;
      dataset_sha256: string;
    }>(this.em, LEASE, [worker.workerSimulated, maxTasks, ttl, worker.workerId]);
    const grants: LeaseGrant[] = [];
    for (const row of leased) {
      const [script, dataset] = await Promise.all([this.artifacts.info(row.script_sha256), this.artifacts.info(row.dataset_sha256)]);
      if (!script || !dataset) throw new Error(`campaign ${row.campaign_id} references a missing artifact`);
      grants.push({
        taskId: row.id,
        campaignId: row.campaign_id,
        index: row.index,
        config: row.config,
        seed: row.seed,
        budgetS: row.budget_s,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        leaseToken: row.lease_token,
        expiresAt: toDate(row.lease_expires_at)!,
        script,
        dataset,
      });
      this.events.taskChanged(row.campaign_id, row.id);
    }
    this.events.workerChanged(worker.workerId);
    return grants;
  }

  /** Extends a lease and records progress; reclaims the task if it was requeued but not re-leased. */
  async heartbeat(viewer: Viewer | null, input: { taskId: string; leaseToken: string; progress?: unknown }): Promise<HeartbeatAck> {
    const worker = requireWorker(viewer);
    const claim = this.claim(worker, input);
    const progress = parseInput(progressSchema, input.progress) ?? null;
    const ttl = this.env.XEENET_LEASE_TTL_S;
    const row = await this.hot.first<{ id: string; campaign_id: string; lease_expires_at: string | Date }>(this.em, HEARTBEAT, [
      ttl,
      progress ? JSON.stringify(progress satisfies TaskProgress) : null,
      claim.taskId,
      claim.leaseToken,
      claim.workerId,
    ]);
    if (!row) throw rejection(await this.leaseRow(claim.taskId), claim);
    this.events.taskChanged(row.campaign_id, row.id);
    this.events.workerChanged(worker.workerId);
    return { taskId: row.id, expiresAt: toDate(row.lease_expires_at)! };
  }

  /** Records a result. Repeating it with the same token returns the first outcome unchanged. */
  async complete(
    viewer: Viewer | null,
    input: { taskId: string; leaseToken: string; result: unknown },
  ): Promise<CompletionAck> {
    const worker = requireWorker(viewer);
    const claim = this.claim(worker, input);
    const result = parseInput(resultSchema, input.result);
    checkTail(result.stdoutTail, 'stdoutTail');
    const metricsJson = result.metrics ? JSON.stringify(result.metrics) : null;
    if (metricsJson && Buffer.byteLength(metricsJson) > MAX_METRICS_BYTES) throw new PayloadTooLargeError('metrics', MAX_METRICS_BYTES);
    // A simulating worker's results are always marked simulated, whatever it claims.
    const simulated = result.simulated || worker.workerSimulated;

    const resultId = randomUUID();
    const wallet = simulated ? null : await new CreditService(this.em).walletId(worker.accountId);
    const done = await this.hot.first<{ campaign_id: string; reward: string | number }>(this.em, COMPLETE, [
      result.valBpb,
      simulated,
      claim.taskId,
      claim.leaseToken,
      claim.workerId,
      resultId,
      result.trainLoss,
      result.steps,
      result.wallS,
      metricsJson,
      result.stdoutTail ?? null,
      wallet,
    ]);
    const outcome = done && { campaignId: done.campaign_id, resultId, reward: simulated ? 0 : Number(done.reward) };

    if (outcome) {
      this.events.taskChanged(outcome.campaignId, claim.taskId);
      this.events.workerChanged(worker.workerId);
      if (outcome.reward > 0) this.events.balanceChanged(worker.accountId);
      return { taskId: claim.taskId, resultId: outcome.resultId, duplicate: false, creditsEarned: outcome.reward };
    }
    const previous = await this.hot.first<LeaseRow & { result_id: string | null; simulated: boolean; reward: string | number }>(
      this.em,
      COMPLETION_STATE,
      [claim.taskId, claim.leaseToken],
    );
    if (previous?.status === 'succeeded' && previous.result_id && previous.worker_id === claim.workerId) {
      return {
        taskId: claim.taskId,
        resultId: previous.result_id,
        duplicate: true,
        creditsEarned: previous.simulated ? 0 : Number(previous.reward),
      };
    }
    throw rejection(previous, claim);
  }

  /** Reports a failed attempt: requeued while attempts remain (and the failure may pass), else failed. */
  async fail(
    viewer: Viewer | null,
    input: { taskId: string; leaseToken: string; reason: string; stdoutTail?: string | null; stderrTail?: string | null; retryable?: boolean | null },
  ): Promise<FailureAck> {
    const worker = requireWorker(viewer);
    const claim = this.claim(worker, input);
    const failure = parseInput(failureSchema, { ...input, retryable: input.retryable ?? undefined });
    checkTail(failure.stdoutTail, 'stdoutTail');
    checkTail(failure.stderrTail, 'stderrTail');

    const outcome = await this.hot.first<{ campaign_id: string; attempts: number; status: TaskStatus }>(this.em, FAIL, [
      failure.retryable,
      failure.reason,
      claim.taskId,
      claim.leaseToken,
      claim.workerId,
      worker.workerSimulated,
      failure.stdoutTail ?? null,
      failure.stderrTail ?? null,
    ]);

    if (outcome) {
      this.events.taskChanged(outcome.campaign_id, claim.taskId);
      this.events.workerChanged(worker.workerId);
      return { taskId: claim.taskId, status: outcome.status, willRetry: outcome.status === 'queued', duplicate: false };
    }
    const previous = await this.hot.first<LeaseRow & { reported: boolean }>(this.em, FAILURE_STATE, [
      claim.taskId,
      claim.leaseToken,
      claim.workerId,
    ]);
    if (previous?.reported) {
      return { taskId: claim.taskId, status: previous.status, willRetry: previous.status === 'queued', duplicate: true };
    }
    throw rejection(previous, claim);
  }

  /** Gives a task back without counting the attempt (the worker is shutting down). */
  async release(viewer: Viewer | null, input: { taskId: string; leaseToken: string }): Promise<{ taskId: string }> {
    const worker = requireWorker(viewer);
    const claim = this.claim(worker, input);
    const row = await this.hot.first<{ campaign_id: string }>(this.em, RELEASE, [claim.taskId, claim.leaseToken, claim.workerId]);
    if (!row) throw rejection(await this.leaseRow(claim.taskId), claim);
    this.events.taskChanged(row.campaign_id, claim.taskId);
    return { taskId: claim.taskId };
  }

  private claim(worker: WorkerViewer, input: { taskId: string; leaseToken: string }): LeaseClaim {
    const parsed = claimSchema.safeParse(input);
    if (!parsed.success) {
      if (parsed.error.issues.some((issue) => issue.path[0] === 'taskId')) throw new NotFoundError('task', 'no task has this id');
      throw new ValidationError([{ path: ['leaseToken'], message: 'is not a lease token' }]);
    }
    return { taskId: parsed.data.taskId.toLowerCase(), leaseToken: parsed.data.leaseToken.toLowerCase(), workerId: worker.workerId };
  }

  private leaseRow(taskId: string): Promise<LeaseRow | undefined> {
    return this.hot.first<LeaseRow>(this.em, LEASE_STATE, [taskId]);
  }
}
