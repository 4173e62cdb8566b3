// The worker protocol (lease → heartbeat* → complete | fail | release): who may call it and what
// they may send, whether this replica still hands out work, and what it counts in the metrics.
// The transitions themselves are the lifecycle's.
import { ValidationError } from '../../errors.ts';
import { requireWorker, type Viewer, type WorkerViewer } from '../accounts/viewer.ts';
import type { ArtifactInfo, ArtifactService } from '../artifacts/artifact.service.ts';
import type { CampaignLoop } from '../campaigns/campaign-loop.ts';
import { toDate } from '../../db/sql.ts';
import type { Lifecycle } from '../../lifecycle.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { CompletionAck, EmptyLeaseReason, FailureAck, HeartbeatAck, LeaseHolder, TaskLifecycle } from './lifecycle.ts';
import { parseClaim, parseFailure, parseProgress, parseRefusal, parseResult } from './report-input.ts';
import { type ScriptTrust, trustOf } from '../scripts/script-trust.ts';
import type { VerificationService } from '../verification/verification.service.ts';

export const MAX_TASKS_PER_LEASE = 16;

export interface LeaseGrant {
  taskId: string;
  campaignId: string;
  index: number;
  config: Record<string, unknown>;
  seed: number;
  /** What the script gets as budget_s: a wall budget's seconds, or a compute task's cap on this machine. */
  budgetS: number;
  budgetKind: 'wall' | 'compute';
  budgetUnit: 'tokens' | 'flops' | null;
  budgetAmount: number | null;
  /** The most seconds any machine may take (a compute task's cap before fitting it to this worker). */
  maxWallS: number;
  attempt: number;
  maxAttempts: number;
  leaseToken: string;
  expiresAt: Date;
  script: LeasedScriptInfo;
  dataset: ArtifactInfo;
  campaignOwnerId: string;
  ownMachinesOnly: boolean;
}

/** The script's bytes and what the platform says about them: its identity, trust and signature. */
export interface LeasedScriptInfo extends ArtifactInfo {
  scriptId: string;
  version: number;
  trust: ScriptTrust;
  /** Base64 Ed25519 over @xeenet/contract/signing's message; null for an OWN script. */
  signature: string | null;
  signingKeyId: string | null;
}

interface ClaimInput {
  taskId: string;
  leaseToken: string;
}

function holder(worker: WorkerViewer): LeaseHolder {
  return { workerId: worker.workerId, accountId: worker.accountId, simulated: worker.workerSimulated };
}

export interface LeaseServiceDeps {
  metrics: Metrics;
  /** This replica's own lifecycle: while it drains (shutting down) it hands out no new work. */
  replica: Lifecycle;
  /** The campaign loop: after a result, adaptive strategies propose what comes next. */
  loop?: CampaignLoop | null;
  /** Verification by replay: what happens to a fresh result, and to a replica that failed for good. */
  verification: VerificationService;
}

export class LeaseService {
  private readonly lifecycle: TaskLifecycle;
  private readonly artifacts: ArtifactService;
  private readonly metrics: Metrics;
  private readonly replica: Lifecycle;
  private readonly loop: CampaignLoop | null;
  private readonly verification: VerificationService;

  constructor(lifecycle: TaskLifecycle, artifacts: ArtifactService, deps: LeaseServiceDeps) {
    this.lifecycle = lifecycle;
    this.artifacts = artifacts;
    this.metrics = deps.metrics;
    this.replica = deps.replica;
    this.loop = deps.loop ?? null;
    this.verification = deps.verification;
  }

  /**
   * Claims up to maxTasks queued tasks in one statement; an empty list means the queue is empty,
   * or this replica is shutting down (the worker polls again, through the load balancer).
   */
  async lease(viewer: Viewer | null, maxTasks = 1): Promise<LeaseGrant[]> {
    const worker = requireWorker(viewer);
    if (!Number.isInteger(maxTasks) || maxTasks < 1 || maxTasks > MAX_TASKS_PER_LEASE) {
      throw new ValidationError([{ path: ['maxTasks'], message: `must be an integer from 1 to ${MAX_TASKS_PER_LEASE}` }]);
    }
    if (this.replica.draining) {
      this.metrics.emptyLeases.inc({ reason: 'shutting_down' });
      return [];
    }
    const leased = await this.lifecycle.lease(holder(worker), maxTasks);
    if (leased.length) this.metrics.leases.inc(leased.length);
    else this.metrics.emptyLeases.inc({ reason: 'queue_empty' });
    return Promise.all(
      leased.map(async (row) => {
        const [script, dataset] = await Promise.all([this.artifacts.info(row.script_sha256), this.artifacts.info(row.dataset_sha256)]);
        if (!script || !dataset) throw new Error(`campaign ${row.campaign_id} references a missing artifact`);
        const trust = trustOf({ origin: row.script_origin, reviewState: row.script_review_state });
        return {
          taskId: row.id,
          campaignId: row.campaign_id,
          index: row.index,
          config: row.config,
          seed: row.seed,
          budgetS: row.lease_cap_s ?? row.budget_s,
          budgetKind: row.budget_kind,
          budgetUnit: row.budget_unit,
          budgetAmount: row.budget_amount == null ? null : Number(row.budget_amount),
          maxWallS: row.budget_s,
          attempt: row.attempts,
          maxAttempts: row.max_attempts,
          leaseToken: row.lease_token,
          expiresAt: toDate(row.lease_expires_at)!,
          script: {
            ...script,
            name: row.script_name,
            scriptId: row.script_id,
            version: row.script_version,
            trust,
            signature: trust === 'OWN' ? null : row.script_signature,
            signingKeyId: trust === 'OWN' ? null : row.script_signing_key_id,
          },
          dataset,
          campaignOwnerId: row.campaign_owner_id,
          ownMachinesOnly: row.own_machines_only,
        };
      }),
    );
  }

  /** Why the last lease found nothing: a typed reason the worker can log (never an error). */
  async emptyReason(viewer: Viewer | null): Promise<EmptyLeaseReason> {
    return this.lifecycle.whyEmpty(holder(requireWorker(viewer)));
  }

  /** Extends a lease and records progress; reclaims the task if it was requeued but not re-leased. */
  async heartbeat(viewer: Viewer | null, input: ClaimInput & { progress?: unknown }): Promise<HeartbeatAck> {
    const worker = requireWorker(viewer);
    const claim = parseClaim(worker.workerId, input);
    const ack = await this.lifecycle.heartbeat(claim, parseProgress(input.progress));
    this.metrics.heartbeats.inc();
    this.metrics.heartbeatRowWrites.inc({ written: ack.written ? 'row' : 'live_only' });
    return ack;
  }

  /** Records a result. Repeating it with the same token returns the first outcome unchanged. */
  async complete(viewer: Viewer | null, input: ClaimInput & { result: unknown }): Promise<CompletionAck> {
    const worker = requireWorker(viewer);
    const claim = parseClaim(worker.workerId, input);
    const ack = await this.lifecycle.complete(holder(worker), claim, parseResult(input.result));
    if (!ack.duplicate) this.metrics.completions.inc();
    // Post-commit: the result is marked and the campaign's strategy proposes what comes next.
    if (!ack.duplicate) await this.loop?.afterResult(ack.campaignId);
    // A fresh result is verified next (replicated, or accepted on trust and paid).
    if (ack.duplicate || !ack.pendingVerification) return ack;
    const verified = await this.verification.afterCompletion(ack.resultId);
    return { ...ack, creditsEarned: verified.credits, pendingVerification: verified.pending };
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
    if (!ack.duplicate) this.metrics.failures.inc({ outcome: ack.willRetry ? 'requeued' : 'failed' });
    // A final failure is a crash to mark, and frees a slot the strategy may fill.
    if (!ack.duplicate && !ack.willRetry) await this.loop?.afterResult(ack.campaignId);
    // A crash is a failure, never a strike; a replica out of attempts is replaced or left inconclusive.
    if (!ack.duplicate && ack.status === 'failed') await this.verification.afterReplicaFailed(claim.taskId);
    return ack;
  }

  /**
   * The worker will not run this task (its script's signature, its sandbox, its volunteer's terms):
   * back to the queue uncounted, never leased to this worker again.
   */
  async refuse(viewer: Viewer | null, input: ClaimInput & { code: string; reason: string }): Promise<{ taskId: string }> {
    const worker = requireWorker(viewer);
    const claim = parseClaim(worker.workerId, input);
    return this.lifecycle.refuse(claim, parseRefusal({ code: input.code, reason: input.reason }));
  }

  /** Gives a task back without counting the attempt (the worker is shutting down). */
  async release(viewer: Viewer | null, input: ClaimInput): Promise<{ taskId: string }> {
    const worker = requireWorker(viewer);
    return this.lifecycle.release(parseClaim(worker.workerId, input));
  }
}
