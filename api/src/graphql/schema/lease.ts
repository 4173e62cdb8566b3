// The worker protocol: lease → heartbeat* → complete | fail | release.
import { ExcludedError, NotFoundError, PayloadTooLargeError, QuotaExceededError, StaleLeaseError, ValidationError } from '../../errors.ts';
import type { ArtifactInfo } from '../../modules/artifacts/artifact.service.ts';
import type { LeaseGrant } from '../../modules/tasks/lease.service.ts';
import { canonical } from '../../modules/campaigns/sampler.ts';
import { builder } from '../builder.ts';
import { decodeId } from '../global-id.ts';
import { AUTH_ERRORS } from './errors.ts';
import { ArtifactKindEnum } from './artifact.ts';
import { RunResultRef } from './run-result.ts';
import { TaskRef, TaskStatusEnum } from './task.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { RequestContext } from '../../context.ts';
import { requireWorker } from '../../modules/accounts/viewer.ts';

const LeasedArtifactRef = builder.objectRef<ArtifactInfo>('LeasedArtifact').implement({
  description: 'An artifact a task needs: download it from url and refuse to run it unless it hashes to sha256.',
  fields: (t) => ({
    sha256: t.exposeString('sha256'),
    kind: t.field({ type: ArtifactKindEnum, resolve: (artifact) => artifact.kind }),
    name: t.exposeString('name'),
    sizeBytes: t.exposeInt('sizeBytes'),
    url: t.string({ resolve: (artifact, _args, ctx) => ctx.services.artifacts.url(artifact.sha256) }),
  }),
});

const LeaseRef = builder.objectRef<LeaseGrant>('Lease').implement({
  description: 'A task handed to this worker until expiresAt; heartbeats extend it.',
  fields: (t) => ({
    token: t.exposeString('leaseToken', { description: 'Proves the lease in heartbeat, completeTask, failTask and releaseTask.' }),
    expiresAt: t.field({ type: 'DateTime', resolve: (lease) => lease.expiresAt }),
    taskId: t.id({ resolve: (lease) => encodeGlobalID('Task', lease.taskId) }),
    task: t.field({ type: TaskRef, resolve: (lease, _args, ctx) => ctx.services.tasks.reported(lease.taskId) }),
    campaignId: t.id({ resolve: (lease) => encodeGlobalID('Campaign', lease.campaignId) }),
    index: t.exposeInt('index'),
    config: t.field({ type: 'JSON', description: 'Hyperparameters; the worker adds budget_s, seed and dataset_path.', resolve: (lease) => canonical(lease.config) }),
    seed: t.exposeInt('seed'),
    budgetS: t.exposeInt('budgetS'),
    attempt: t.exposeInt('attempt'),
    maxAttempts: t.exposeInt('maxAttempts'),
    script: t.field({ type: LeasedArtifactRef, resolve: (lease) => lease.script }),
    dataset: t.field({ type: LeasedArtifactRef, resolve: (lease) => lease.dataset }),
  }),
});

const ProgressInput = builder.inputType('ProgressInput', {
  fields: (t) => ({
    step: t.int(),
    trainLoss: t.float(),
    elapsedS: t.float(),
    message: t.string(),
  }),
});

const LeaseClaimFields = {
  taskId: { type: 'ID', required: true },
  leaseToken: { type: 'String', required: true },
} as const;

const HeartbeatInput = builder.inputType('HeartbeatInput', {
  fields: (t) => ({
    taskId: t.id(LeaseClaimFields.taskId),
    leaseToken: t.string(LeaseClaimFields.leaseToken),
    progress: t.field({ type: ProgressInput }),
  }),
});

const ResultInput = builder.inputType('ResultInput', {
  description: 'The final metrics line. Fields are nullable so that a missing or non-finite value is a typed ValidationError.',
  fields: (t) => ({
    valBpb: t.float(),
    trainLoss: t.float(),
    steps: t.int(),
    wallS: t.float(),
    metrics: t.field({ type: 'JSON', description: 'The whole final JSON line (at most 64 KiB).' }),
    stdoutTail: t.string({ description: 'At most 16 KiB.' }),
    simulated: t.boolean({ defaultValue: false }),
  }),
});

const CompleteTaskInput = builder.inputType('CompleteTaskInput', {
  fields: (t) => ({
    taskId: t.id(LeaseClaimFields.taskId),
    leaseToken: t.string(LeaseClaimFields.leaseToken),
    result: t.field({ type: ResultInput, required: true }),
  }),
});

const FailTaskInput = builder.inputType('FailTaskInput', {
  fields: (t) => ({
    taskId: t.id(LeaseClaimFields.taskId),
    leaseToken: t.string(LeaseClaimFields.leaseToken),
    reason: t.string({ required: true }),
    stdoutTail: t.string(),
    stderrTail: t.string(),
    retryable: t.boolean({
      defaultValue: true,
      description: 'False when running it again cannot help (e.g. the script rejected its config).',
    }),
  }),
});

const ReleaseTaskInput = builder.inputType('ReleaseTaskInput', {
  fields: (t) => ({
    taskId: t.id(LeaseClaimFields.taskId),
    leaseToken: t.string(LeaseClaimFields.leaseToken),
  }),
});

const LeaseTaskPayload = builder.objectRef<{ lease: LeaseGrant | null }>('LeaseTaskPayload').implement({
  fields: (t) => ({ lease: t.field({ type: LeaseRef, nullable: true, description: 'Null when the queue is empty.', resolve: (p) => p.lease }) }),
});

const HeartbeatPayload = builder.objectRef<{ taskId: string; expiresAt: Date }>('HeartbeatPayload').implement({
  fields: (t) => ({
    taskId: t.id({ resolve: (p) => encodeGlobalID('Task', p.taskId) }),
    expiresAt: t.field({ type: 'DateTime', resolve: (p) => p.expiresAt }),
  }),
});

const CompleteTaskPayload = builder
  .objectRef<{ taskId: string; resultId: string; duplicate: boolean; creditsEarned: number; pendingVerification: boolean }>('CompleteTaskPayload')
  .implement({
    fields: (t) => ({
      task: t.field({ type: TaskRef, resolve: (p, _args, ctx) => ctx.services.tasks.reported(p.taskId) }),
      result: t.field({ type: RunResultRef, resolve: (p, _args, ctx) => ctx.services.tasks.reportedResult(p.resultId) }),
      duplicate: t.exposeBoolean('duplicate', { description: 'True when this repeats an already accepted completion.' }),
      creditsEarned: t.exposeFloat('creditsEarned', { description: 'Credits paid for this result now (0 while it awaits verification).' }),
      pendingVerification: t.exposeBoolean('pendingVerification', {
        description: 'The result awaits independent replays; its credits (if any) come once it is valid.',
      }),
    }),
  });

const FailTaskPayload = builder
  .objectRef<{ taskId: string; status: string; willRetry: boolean; duplicate: boolean }>('FailTaskPayload')
  .implement({
    fields: (t) => ({
      task: t.field({ type: TaskRef, resolve: (p, _args, ctx) => ctx.services.tasks.reported(p.taskId) }),
      status: t.field({ type: TaskStatusEnum, resolve: (p) => p.status as never }),
      willRetry: t.exposeBoolean('willRetry'),
      duplicate: t.exposeBoolean('duplicate'),
    }),
  });

const ReleaseTaskPayload = builder.objectRef<{ taskId: string }>('ReleaseTaskPayload').implement({
  fields: (t) => ({ task: t.field({ type: TaskRef, resolve: (p, _args, ctx) => ctx.services.tasks.reported(p.taskId) }) }),
});

const LEASE_ERRORS = [...AUTH_ERRORS, NotFoundError, StaleLeaseError, ValidationError];

/** Counts a lease (or why there was none) in the metrics. */
function countLease(ctx: RequestContext, lease: LeaseGrant | undefined | 'draining'): LeaseGrant | null {
  if (lease === 'draining' || !lease) ctx.deps.metrics.emptyLeases.inc({ reason: lease === 'draining' ? 'shutting_down' : 'queue_empty' });
  else ctx.deps.metrics.leases.inc();
  return lease === 'draining' ? null : (lease ?? null);
}

/** Passes a result through after counting it. */
function counted<T>(count: (value: T) => unknown): (value: T) => T {
  return (value) => {
    count(value);
    return value;
  };
}

builder.mutationFields((t) => ({
  leaseTask: t.field({
    type: LeaseTaskPayload,
    description: 'Claims the next queued task for this worker (FOR UPDATE SKIP LOCKED), or returns no lease.',
    errors: { types: [...AUTH_ERRORS, ValidationError, ExcludedError, QuotaExceededError] },
    // A replica shutting down hands out no new work: the worker polls again (through the load balancer).
    resolve: async (_root, _args, ctx) => ({ lease: countLease(ctx, ctx.deps.lifecycle.draining ? requireWorker(ctx.viewer) && 'draining' : (await ctx.services.leases.lease(ctx.viewer, 1))[0]) }),
  }),
  heartbeat: t.field({
    type: HeartbeatPayload,
    description: 'Extends the lease and records progress. A CANCELLED rejection means: stop the task.',
    args: { input: t.arg({ type: HeartbeatInput, required: true }) },
    errors: { types: LEASE_ERRORS },
    resolve: (_root, { input }, ctx) =>
      ctx.services.leases
        .heartbeat(ctx.viewer, { taskId: decodeId(String(input.taskId), 'Task'), leaseToken: input.leaseToken, progress: input.progress })
        .then(counted(() => ctx.deps.metrics.heartbeats.inc())),
  }),
  completeTask: t.field({
    type: CompleteTaskPayload,
    description: 'Reports the final metrics. Idempotent: repeating it with the same lease returns the first outcome.',
    args: { input: t.arg({ type: CompleteTaskInput, required: true }) },
    errors: { types: [...LEASE_ERRORS, PayloadTooLargeError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.leases.complete(ctx.viewer, {
        taskId: decodeId(String(input.taskId), 'Task'),
        leaseToken: input.leaseToken,
        result: { ...input.result, simulated: input.result.simulated ?? undefined },
      }).then(counted((ack) => ack.duplicate || ctx.deps.metrics.completions.inc())),
  }),
  failTask: t.field({
    type: FailTaskPayload,
    description: 'Reports a failed attempt; the task is retried while attempts remain and the failure is retryable.',
    args: { input: t.arg({ type: FailTaskInput, required: true }) },
    errors: { types: [...LEASE_ERRORS, PayloadTooLargeError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.leases
        .fail(ctx.viewer, { ...input, taskId: decodeId(String(input.taskId), 'Task') })
        .then(counted((ack) => ack.duplicate || ctx.deps.metrics.failures.inc({ outcome: ack.willRetry ? 'requeued' : 'failed' }))),
  }),
  releaseTask: t.field({
    type: ReleaseTaskPayload,
    description: 'Gives the task back to the queue without counting the attempt (worker shutting down).',
    args: { input: t.arg({ type: ReleaseTaskInput, required: true }) },
    errors: { types: LEASE_ERRORS },
    resolve: (_root, { input }, ctx) =>
      ctx.services.leases.release(ctx.viewer, { taskId: decodeId(String(input.taskId), 'Task'), leaseToken: input.leaseToken }),
  }),
}));
