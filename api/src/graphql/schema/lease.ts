// The worker protocol: lease → heartbeat* → complete | fail | release.
import { NotFoundError, PayloadTooLargeError, StaleLeaseError, ValidationError } from '../../errors.ts';
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

export const ScriptTrustEnum = builder.enumType('ScriptTrust', {
  description: 'What the platform vouches for about a script; workers decide what to run from it (and the signature).',
  values: {
    BUILTIN: { value: 'BUILTIN', description: 'Shipped with the platform (training-scripts/); signed at every start.' },
    REVIEWED: { value: 'REVIEWED', description: 'A researcher’s script that a reviewer approved; signed at approval.' },
    OWN: { value: 'OWN', description: 'Not reviewed (pending or rejected): unsigned, leased only to workers of the campaign owner’s own account.' },
  } as const,
});

const LeasedScriptRef = builder.objectRef<LeaseGrant['script']>('LeasedScript').implement({
  description:
    'The training script a task runs: download it from url, refuse it unless it hashes to sha256, and (unless it is the ' +
    'worker owner’s OWN script) unless signature verifies under the pinned platform key.',
  fields: (t) => ({
    sha256: t.exposeString('sha256', { description: 'SHA-256 of the script’s bytes (lowercase hex).' }),
    name: t.exposeString('name', { description: 'The script’s name; part of the signed identity.' }),
    sizeBytes: t.exposeInt('sizeBytes', { description: 'Size of the script in bytes.' }),
    url: t.string({ description: 'Where to download the bytes (relative to the API when no public URL is set).', resolve: (script, _args, ctx) => ctx.services.artifacts.url(script.sha256) }),
    scriptId: t.exposeString('scriptId', { description: 'The script’s id (a UUID, not a global id): part of the signed identity.' }),
    version: t.exposeInt('version', { description: 'Version of the name: part of the signed identity.' }),
    trust: t.field({ type: ScriptTrustEnum, description: 'BUILTIN, REVIEWED or OWN: part of the signed identity.', resolve: (script) => script.trust }),
    signature: t.string({
      nullable: true,
      description: 'Base64 Ed25519 signature over the message of @xeenet/contract/signing (sha256, scriptId, name, version, trust); null for OWN.',
      resolve: (script) => script.signature,
    }),
    signingKeyId: t.string({ nullable: true, description: 'Id of the key that made the signature (see SigningKey.keyId).', resolve: (script) => script.signingKeyId }),
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
    script: t.field({ type: LeasedScriptRef, description: 'The training script, with its identity, trust and signature.', resolve: (lease) => lease.script }),
    campaignOwnerId: t.id({
      description: 'The campaign owner’s account (global id): an OWN script runs only on workers of this account.',
      resolve: (lease) => encodeGlobalID('Account', lease.campaignOwnerId),
    }),
    ownMachinesOnly: t.exposeBoolean('ownMachinesOnly', { description: 'The campaign is leased only to workers of its owner’s account.' }),
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

export const TaskRefusalCodeEnum = builder.enumType('TaskRefusalCode', {
  description: 'Why a worker would not run a leased task. None of them counts as an attempt.',
  values: {
    UNSIGNED: { value: 'unsigned', description: 'The script is not OWN but the lease carries no signature.' },
    BAD_SIGNATURE: { value: 'bad_signature', description: 'The signature does not verify under the pinned platform key for these bytes and identity.' },
    UNKNOWN_KEY: { value: 'unknown_key', description: 'The lease names a signing key other than the one the worker pinned at registration.' },
    NOT_OWN: { value: 'not_own', description: 'An OWN (unreviewed) script of a campaign whose owner is not this worker’s account.' },
    NO_SANDBOX: { value: 'no_sandbox', description: 'The machine has no sandbox and its volunteer allows only built-in scripts unsandboxed.' },
    PREFERENCES: { value: 'preferences', description: 'The volunteer’s preferences exclude this kind of script.' },
  } as const,
});

const RefuseTaskInput = builder.inputType('RefuseTaskInput', {
  description: 'A lease the worker will not run, with a typed reason.',
  fields: (t) => ({
    taskId: t.id({ ...LeaseClaimFields.taskId, description: 'The leased task.' }),
    leaseToken: t.string({ ...LeaseClaimFields.leaseToken, description: 'The lease’s token.' }),
    code: t.field({ type: TaskRefusalCodeEnum, required: true, description: 'Why, as a code.' }),
    reason: t.string({ required: true, description: 'Why, in a sentence (at most 2,000 characters).' }),
  }),
});

const RefuseTaskPayload = builder.objectRef<{ taskId: string }>('RefuseTaskPayload').implement({
  description: 'The refused task, back in the queue.',
  fields: (t) => ({
    task: t.field({ type: TaskRef, description: 'The task, queued again.', resolve: (p, _args, ctx) => ctx.services.tasks.reported(p.taskId) }),
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
    errors: { types: [...AUTH_ERRORS, ValidationError] },
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
  refuseTask: t.field({
    type: RefuseTaskPayload,
    description:
      'The worker will not run this task (bad or missing signature, no sandbox, its volunteer’s terms): the task goes back ' +
      'to the queue without counting the attempt, and is never leased to this worker again.',
    args: { input: t.arg({ type: RefuseTaskInput, required: true, description: 'The lease and the reason.' }) },
    errors: { types: LEASE_ERRORS },
    resolve: (_root, { input }, ctx) =>
      ctx.services.leases.refuse(ctx.viewer, {
        taskId: decodeId(String(input.taskId), 'Task'),
        leaseToken: input.leaseToken,
        code: input.code,
        reason: input.reason,
      }),
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
