// The worker protocol: lease → heartbeat* → complete | fail | release.
import { ExcludedError, NotFoundError, PayloadTooLargeError, QuotaExceededError, StaleLeaseError, ValidationError } from '../../errors.ts';
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

const LeasedArtifactRef = builder.objectRef<ArtifactInfo>('LeasedArtifact').implement({
  description: 'An artifact a task needs: download it from url and refuse to run it unless it hashes to sha256.',
  fields: (t) => ({
    sha256: t.exposeString('sha256', { description: 'Lower-case hex SHA-256 the downloaded bytes must hash to.' }),
    kind: t.field({ description: 'Script or dataset.', type: ArtifactKindEnum, resolve: (artifact) => artifact.kind }),
    name: t.exposeString('name', { description: 'The artifact’s name.' }),
    sizeBytes: t.exposeInt('sizeBytes', { description: 'Size of the bytes.' }),
    url: t.string({ description: 'Where to download the bytes (this API or a mirror).', resolve: (artifact, _args, ctx) => ctx.services.artifacts.url(artifact.sha256) }),
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
    expiresAt: t.field({ description: 'When the lease runs out without a heartbeat.', type: 'DateTime', resolve: (lease) => lease.expiresAt }),
    taskId: t.id({ description: 'Global id of the leased task.', resolve: (lease) => encodeGlobalID('Task', lease.taskId) }),
    task: t.field({ description: 'The leased task.', type: TaskRef, resolve: (lease, _args, ctx) => ctx.services.tasks.reported(lease.taskId) }),
    campaignId: t.id({ description: 'Global id of the task’s campaign.', resolve: (lease) => encodeGlobalID('Campaign', lease.campaignId) }),
    index: t.exposeInt('index', { description: 'The task’s index in its campaign.' }),
    config: t.field({ type: 'JSON', description: 'Hyperparameters; the worker adds budget_s, seed and dataset_path.', resolve: (lease) => canonical(lease.config) }),
    seed: t.exposeInt('seed', { description: 'The training seed to pass to the script.' }),
    budgetS: t.exposeInt('budgetS', {
      description:
        'Pass this as the script’s budget_s. A wall budget: its seconds. A compute budget: the wall-clock safety cap, fitted to this worker’s measured speed (at most budget.maxWallS).',
    }),
    budget: t.field({
      type: LeaseBudgetRef,
      description: 'What the task’s budget is; a compute budget also goes to the script as budget_tokens or budget_flops.',
      resolve: (lease) => lease,
    }),
    attempt: t.exposeInt('attempt', { description: 'Which lease of the task this is (1 = first).' }),
    maxAttempts: t.exposeInt('maxAttempts', { description: 'Leases allowed before the task fails for good.' }),
    script: t.field({ type: LeasedScriptRef, description: 'The training script, with its identity, trust and signature.', resolve: (lease) => lease.script }),
    campaignOwnerId: t.id({
      description: 'The campaign owner’s account (global id): an OWN script runs only on workers of this account.',
      resolve: (lease) => encodeGlobalID('Account', lease.campaignOwnerId),
    }),
    ownMachinesOnly: t.exposeBoolean('ownMachinesOnly', { description: 'The campaign is leased only to workers of its owner’s account.' }),
    dataset: t.field({ description: 'The dataset to train on.', type: LeasedArtifactRef, resolve: (lease) => lease.dataset }),
  }),
});

const ProgressInput = builder.inputType('ProgressInput', {
  description: 'Live progress of a training run, from the script’s progress lines.',
  fields: (t) => ({
    step: t.int({ description: 'Training steps done so far.' }),
    trainLoss: t.float({ description: 'The latest training loss.' }),
    elapsedS: t.float({ description: 'Seconds since training started.' }),
    message: t.string({ description: 'A short status line (at most 2 KiB).' }),
  }),
});

const LeaseClaimFields = {
  taskId: { type: 'ID', required: true, description: 'Global id of the leased task.' },
  leaseToken: { type: 'String', required: true, description: 'The token from the lease.' },
} as const;

const HeartbeatInput = builder.inputType('HeartbeatInput', {
  description: 'Proof that the lease holder is alive, with its latest progress.',
  fields: (t) => ({
    taskId: t.id(LeaseClaimFields.taskId),
    leaseToken: t.string(LeaseClaimFields.leaseToken),
    progress: t.field({ type: ProgressInput, description: 'The latest progress, when the script reported any.' }),
  }),
});

const ResultInput = builder.inputType('ResultInput', {
  description: 'The final metrics line. Fields are nullable so that a missing or non-finite value is a typed ValidationError.',
  fields: (t) => ({
    valBpb: t.float({ description: 'Validation bits per byte (lower is better); finite and non-negative.' }),
    trainLoss: t.float({ description: 'Final training loss; finite.' }),
    steps: t.int({ description: 'Optimizer steps trained.' }),
    wallS: t.float({ description: 'Seconds the run took.' }),
    metrics: t.field({ type: 'JSON', description: 'The whole final JSON line (at most 64 KiB).' }),
    stdoutTail: t.string({ description: 'At most 16 KiB.' }),
    simulated: t.boolean({ description: 'True when a --simulate worker produced it.', defaultValue: false }),
  }),
});

const CompleteTaskInput = builder.inputType('CompleteTaskInput', {
  description: 'The final report of a successful run.',
  fields: (t) => ({
    taskId: t.id(LeaseClaimFields.taskId),
    leaseToken: t.string(LeaseClaimFields.leaseToken),
    result: t.field({ type: ResultInput, required: true, description: 'The metrics the script printed.' }),
  }),
});

const FailTaskInput = builder.inputType('FailTaskInput', {
  description: 'The report of a failed run.',
  fields: (t) => ({
    taskId: t.id(LeaseClaimFields.taskId),
    leaseToken: t.string(LeaseClaimFields.leaseToken),
    reason: t.string({ required: true, description: 'Why it failed, e.g. the script’s error kind and message (at most 2 KiB).' }),
    stdoutTail: t.string({ description: 'The end of the script’s stdout (at most 16 KiB).' }),
    stderrTail: t.string({ description: 'The end of the script’s stderr (at most 16 KiB).' }),
    retryable: t.boolean({
      defaultValue: true,
      description: 'False when running it again cannot help (e.g. the script rejected its config).',
    }),
  }),
});

const ReleaseTaskInput = builder.inputType('ReleaseTaskInput', {
  description: 'A lease handed back unfinished.',
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

const LeaseTaskPayload = builder
  .objectRef<{ lease: LeaseGrant | null; reason: 'queue_empty' | 'shutting_down' | 'too_slow' | 'other_hardware' | null }>('LeaseTaskPayload')
  .implement({
    description: 'The answer to a lease request: a lease, or why there is none.',
    fields: (t) => ({
      lease: t.field({ type: LeaseRef, nullable: true, description: 'Null when nothing could be leased; reason says why.', resolve: (p) => p.lease }),
      reason: t.field({ type: EmptyLeaseReasonEnum, nullable: true, description: 'Set when lease is null.', resolve: (p) => p.reason }),
    }),
  });

const HeartbeatPayload = builder.objectRef<{ taskId: string; expiresAt: Date }>('HeartbeatPayload').implement({
  description: 'The extended lease.',
  fields: (t) => ({
    taskId: t.id({ description: 'Global id of the task.', resolve: (p) => encodeGlobalID('Task', p.taskId) }),
    expiresAt: t.field({ type: 'DateTime', description: 'The lease’s new expiry.', resolve: (p) => p.expiresAt }),
  }),
});

const CompleteTaskPayload = builder
  .objectRef<{ taskId: string; resultId: string; duplicate: boolean; creditsEarned: number; pendingVerification: boolean }>('CompleteTaskPayload')
  .implement({
    description: 'The accepted completion.',
    fields: (t) => ({
      task: t.field({ type: TaskRef, description: 'The task, now succeeded.', resolve: (p, _args, ctx) => ctx.services.tasks.reported(p.taskId) }),
      result: t.field({ type: RunResultRef, description: 'The stored result.', resolve: (p, _args, ctx) => ctx.services.tasks.reportedResult(p.resultId) }),
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
    description: 'What became of the task after the failure.',
    fields: (t) => ({
      task: t.field({ type: TaskRef, description: 'The task.', resolve: (p, _args, ctx) => ctx.services.tasks.reported(p.taskId) }),
      status: t.field({ type: TaskStatusEnum, description: 'Queued again (will retry) or failed for good.', resolve: (p) => p.status as never }),
      willRetry: t.exposeBoolean('willRetry', { description: 'True when the task went back to the queue.' }),
      duplicate: t.exposeBoolean('duplicate', { description: 'True when this repeats an already recorded failure.' }),
    }),
  });

const ReleaseTaskPayload = builder.objectRef<{ taskId: string }>('ReleaseTaskPayload').implement({
  description: 'The released task, queued again.',
  fields: (t) => ({ task: t.field({ type: TaskRef, description: 'The task, back in the queue.', resolve: (p, _args, ctx) => ctx.services.tasks.reported(p.taskId) }) }),
});

const LEASE_ERRORS = [...AUTH_ERRORS, NotFoundError, StaleLeaseError, ValidationError];

/** Leases one task, or says why there is none (the service counts either in the metrics). */
async function leaseOne(ctx: RequestContext): Promise<{ lease: LeaseGrant | null; reason: EmptyLeaseReason | 'shutting_down' | null }> {
  const [lease] = await ctx.services.leases.lease(ctx.viewer, 1);
  if (lease) return { lease, reason: null };
  // A replica shutting down hands out no new work: the worker polls again (through the load balancer).
  if (ctx.deps.lifecycle.draining) return { lease: null, reason: 'shutting_down' };
  return { lease: null, reason: await ctx.services.leases.emptyReason(ctx.viewer) };
}

builder.mutationFields((t) => ({
  leaseTask: t.field({
    type: LeaseTaskPayload,
    description: 'Claims the next queued task for this worker (FOR UPDATE SKIP LOCKED), or returns no lease.',
    errors: { types: [...AUTH_ERRORS, ValidationError, ExcludedError, QuotaExceededError], dataField: { description: 'The lease, or why there is none.' } },
    resolve: (_root, _args, ctx) => leaseOne(ctx),
  }),
  heartbeat: t.field({
    type: HeartbeatPayload,
    description: 'Extends the lease and records progress. A CANCELLED rejection means: stop the task.',
    args: { input: t.arg({ type: HeartbeatInput, required: true, description: 'The lease and its progress.' }) },
    errors: { types: LEASE_ERRORS, dataField: { description: 'The extended lease.' } },
    resolve: (_root, { input }, ctx) =>
      ctx.services.leases
        .heartbeat(ctx.viewer, { taskId: decodeId(String(input.taskId), 'Task'), leaseToken: input.leaseToken, progress: input.progress }),
  }),
  completeTask: t.field({
    type: CompleteTaskPayload,
    description: 'Reports the final metrics. Idempotent: repeating it with the same lease returns the first outcome.',
    args: { input: t.arg({ type: CompleteTaskInput, required: true, description: 'The lease and the result.' }) },
    errors: { types: [...LEASE_ERRORS, PayloadTooLargeError], dataField: { description: 'The accepted completion.' } },
    resolve: (_root, { input }, ctx) =>
      ctx.services.leases.complete(ctx.viewer, {
        taskId: decodeId(String(input.taskId), 'Task'),
        leaseToken: input.leaseToken,
        result: { ...input.result, simulated: input.result.simulated ?? undefined },
      }),
  }),
  failTask: t.field({
    type: FailTaskPayload,
    description: 'Reports a failed attempt; the task is retried while attempts remain and the failure is retryable.',
    args: { input: t.arg({ type: FailTaskInput, required: true, description: 'The lease and why it failed.' }) },
    errors: { types: [...LEASE_ERRORS, PayloadTooLargeError], dataField: { description: 'What became of the task.' } },
    resolve: (_root, { input }, ctx) =>
      ctx.services.leases.fail(ctx.viewer, { ...input, taskId: decodeId(String(input.taskId), 'Task') }),
  }),
  refuseTask: t.field({
    type: RefuseTaskPayload,
    description:
      'The worker will not run this task (bad or missing signature, no sandbox, its volunteer’s terms): the task goes back ' +
      'to the queue without counting the attempt, and is never leased to this worker again.',
    args: { input: t.arg({ type: RefuseTaskInput, required: true, description: 'The lease and the reason.' }) },
    errors: { types: LEASE_ERRORS, dataField: { description: 'The refused task, queued again.' } },
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
    args: { input: t.arg({ type: ReleaseTaskInput, required: true, description: 'The lease to hand back.' }) },
    errors: { types: LEASE_ERRORS, dataField: { description: 'The released task.' } },
    resolve: (_root, { input }, ctx) =>
      ctx.services.leases.release(ctx.viewer, { taskId: decodeId(String(input.taskId), 'Task'), leaseToken: input.leaseToken }),
  }),
}));
