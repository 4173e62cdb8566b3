// The worker protocol (lease → heartbeat* → complete | fail | release): who may call it and what
// they may send. The transitions themselves are the lifecycle's.
import { ValidationError } from '../../errors.ts';
import { requireWorker, type Viewer, type WorkerViewer } from '../accounts/viewer.ts';
import type { ArtifactInfo, ArtifactService } from '../artifacts/artifact.service.ts';
import type { CampaignLoop } from '../campaigns/campaign-loop.ts';
import { toDate } from '../../db/sql.ts';
import type { CompletionAck, FailureAck, HeartbeatAck, LeaseHolder, TaskLifecycle } from './lifecycle.ts';
import { parseClaim, parseFailure, parseProgress, parseResult } from './report-input.ts';

export const MAX_TASKS_PER_LEASE = 16;

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

interface ClaimInput {
  taskId: string;
  leaseToken: string;
}

function holder(worker: WorkerViewer): LeaseHolder {
  return { workerId: worker.workerId, accountId: worker.accountId, simulated: worker.workerSimulated };
}

export class LeaseService {
  private readonly lifecycle: TaskLifecycle;
  private readonly artifacts: ArtifactService;
  private readonly loop: CampaignLoop | null;

  constructor(lifecycle: TaskLifecycle, artifacts: ArtifactService, loop: CampaignLoop | null = null) {
    this.lifecycle = lifecycle;
    this.artifacts = artifacts;
    this.loop = loop;
  }

  /** Claims up to maxTasks queued tasks in one statement; an empty list means the queue is empty. */
  async lease(viewer: Viewer | null, maxTasks = 1): Promise<LeaseGrant[]> {
    const worker = requireWorker(viewer);
    if (!Number.isInteger(maxTasks) || maxTasks < 1 || maxTasks > MAX_TASKS_PER_LEASE) {
      throw new ValidationError([{ path: ['maxTasks'], message: `must be an integer from 1 to ${MAX_TASKS_PER_LEASE}` }]);
    }
    const leased = await this.lifecycle.lease(holder(worker), maxTasks);
    return Promise.all(
      leased.map(async (row) => {
        const [script, dataset] = await Promise.all([this.artifacts.info(row.script_sha256), this.artifacts.info(row.dataset_sha256)]);
        if (!script || !dataset) throw new Error(`campaign ${row.campaign_id} references a missing artifact`);
        return {
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
        };
      }),
    );
  }

  /** Extends a lease and records progress; reclaims the task if it was requeued but not re-leased. */
  async heartbeat(viewer: Viewer | null, input: ClaimInput & { progress?: unknown }): Promise<HeartbeatAck> {
    const worker = requireWorker(viewer);
    const claim = parseClaim(worker.workerId, input);
    return this.lifecycle.heartbeat(claim, parseProgress(input.progress));
  }

  /** Records a result. Repeating it with the same token returns the first outcome unchanged. */
  async complete(viewer: Viewer | null, input: ClaimInput & { result: unknown }): Promise<CompletionAck> {
    const worker = requireWorker(viewer);
    const claim = parseClaim(worker.workerId, input);
    const ack = await this.lifecycle.complete(holder(worker), claim, parseResult(input.result));
    // Post-commit: the result is marked and the campaign's strategy proposes what comes next.
    if (!ack.duplicate) await this.loop?.afterResult(ack.campaignId);
    return ack;
  }

  /** Reports a failed attempt: requeued while attempts remain (and the failure may pass), else failed. */
  async fail(
    viewer: Viewer | null,
    input: ClaimInput & { reason: string; stdoutTail?: string | null; stderrTail?: string | null; retryable?: boolean | null },
  ): Promise<FailureAck> {
    const worker = requireWorker(viewer);
    const claim = parseClaim(worker.workerId, input);
    const failure = parseFailure({ reason: input.reason, stdoutTail: input.stdoutTail, stderrTail: input.stderrTail, retryable: input.retryable ?? undefined });
    const ack = await this.lifecycle.fail(holder(worker), claim, failure);
    // A final failure is a crash to mark, and frees a slot the strategy may fill.
    if (!ack.duplicate && !ack.willRetry) await this.loop?.afterResult(ack.campaignId);
    return ack;
  }

  /** Gives a task back without counting the attempt (the worker is shutting down). */
  async release(viewer: Viewer | null, input: ClaimInput): Promise<{ taskId: string }> {
    const worker = requireWorker(viewer);
    return this.lifecycle.release(parseClaim(worker.workerId, input));
  }
}
