// The worker protocol: lease → heartbeat* → complete | fail | release.
import { NotFoundError, PayloadTooLargeError, StaleLeaseError, ValidationError } from '../../errors.ts';
import type { ArtifactInfo } from '../../modules/artifacts/artifact.service.ts';
import type { LeaseGrant } from '../../modules/tasks/lease.service.ts';
import type { EmptyLeaseReason } from '../../modules/tasks/lifecycle.ts';
import { canonical } from '../../modules/campaigns/sampler.ts';
import { builder } from '../builder.ts';
import { decodeId } from '../global-id.ts';
import { AUTH_ERRORS } from './errors.ts';
import { BudgetKindEnum, ComputeUnitEnum } from './budget.ts';
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

const LeaseBudgetRef = builder.objectRef<LeaseGrant>('LeaseBudget').implement({
  description: 'A leased task’s budget.',
  fields: (t) => ({
    kind: t.field({ type: BudgetKindEnum, description: 'Wall seconds or a fixed amount of compute.', resolve: (lease) => lease.budgetKind }),
    unit: t.field({ type: ComputeUnitEnum, nullable: true, description: 'Compute budgets: what amount counts.', resolve: (lease) => lease.budgetUnit }),
    amount: t.float({ nullable: true, description: 'Compute budgets: training tokens or FLOPs the task must train for, exactly.', resolve: (lease) => lease.budgetAmount }),
    capS: t.int({ description: 'Wall-clock seconds the script may take here (its budget_s).', resolve: (lease) => lease.budgetS }),
    maxWallS: t.int({ description: 'The task’s cap on any machine; capS is lower on a machine whose measured speed needs less.', resolve: (lease) => lease.maxWallS }),
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
    budgetS: t.exposeInt('budgetS', {
      description:
        'Pass this as the script’s budget_s. A wall budget: its seconds. A compute budget: the wall-clock safety cap, fitted to this worker’s measured speed (at most budget.maxWallS).',
    }),
    budget: t.field({
      type: LeaseBudgetRef,
      description: 'What the task’s budget is; a compute budget also goes to the script as budget_tokens or budget_flops.',
      resolve: (lease) => lease,
    }),
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

const EmptyLeaseReasonEnum = builder.enumType('EmptyLeaseReason', {
  description: 'Why leaseTask handed out no task.',
  values: {
    QUEUE_EMPTY: { value: 'queue_empty', description: 'No queued task this worker may take.' },
    SHUTTING_DOWN: { value: 'shutting_down', description: 'This API replica is shutting down: ask again (another replica answers).' },
    TOO_SLOW: {
      value: 'too_slow',
      description: 'Queued compute tasks exist, but at this worker’s measured speed none would finish within its wall-clock cap.',
    },
    OTHER_HARDWARE: { value: 'other_hardware', description: 'Queued tasks exist only for another hardware class (wall budgets on GPU or CPU).' },
  } as const,
});

const LeaseTaskPayload = builder
  .objectRef<{ lease: LeaseGrant | null; reason: 'queue_empty' | 'shutting_down' | 'too_slow' | 'other_hardware' | null }>('LeaseTaskPayload')
  .implement({
    fields: (t) => ({
      lease: t.field({ type: LeaseRef, nullable: true, description: 'Null when nothing could be leased; reason says why.', resolve: (p) => p.lease }),
      reason: t.field({ type: EmptyLeaseReasonEnum, nullable: true, description: 'Set when lease is null.', resolve: (p) => p.reason }),
    }),
  });

const HeartbeatPayload = builder.objectRef<{ taskId: string; expiresAt: Date }>('HeartbeatPayload').implement({
  fields: (t) => ({
    taskId: t.id({ resolve: (p) => encodeGlobalID('Task', p.taskId) }),
    expiresAt: t.field({ type: 'DateTime', resolve: (p) => p.expiresAt }),
  }),
});

const CompleteTaskPayload = builder
  .objectRef<{ taskId: string; resultId: string; duplicate: boolean; creditsEarned: number }>('CompleteTaskPayload')
  .implement({
    fields: (t) => ({
      task: t.field({ type: TaskRef, resolve: (p, _args, ctx) => ctx.services.tasks.reported(p.taskId) }),
      result: t.field({ type: RunResultRef, resolve: (p, _args, ctx) => ctx.services.tasks.reportedResult(p.resultId) }),
      duplicate: t.exposeBoolean('duplicate', { description: 'True when this repeats an already accepted completion.' }),
      creditsEarned: t.exposeFloat('creditsEarned'),
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

/** Leases one task, or says why there is none; counted in the metrics either way. */
async function leaseOne(ctx: RequestContext): Promise<{ lease: LeaseGrant | null; reason: EmptyLeaseReason | 'shutting_down' | null }> {
  // A replica shutting down hands out no new work: the worker polls again (through the load balancer).
  if (ctx.deps.lifecycle.draining) {
    requireWorker(ctx.viewer);
    ctx.deps.metrics.emptyLeases.inc({ reason: 'shutting_down' });
    return { lease: null, reason: 'shutting_down' };
  }
  const [lease] = await ctx.services.leases.lease(ctx.viewer, 1);
  if (lease) {
    ctx.deps.metrics.leases.inc();
    return { lease, reason: null };
  }
  const reason = await ctx.services.leases.emptyReason(ctx.viewer);
  ctx.deps.metrics.emptyLeases.inc({ reason });
  return { lease: null, reason };
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
    errors: { types: [...AUTH_ERRORS, ValidationError] },
    resolve: (_root, _args, ctx) => leaseOne(ctx),
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
