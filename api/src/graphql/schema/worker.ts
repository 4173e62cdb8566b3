import { type Hardware, Worker } from '../../db/entities/worker.entity.ts';
import { ForbiddenError, RateLimitedError, ValidationError } from '../../errors.ts';
import { isOnline, ONLINE_WINDOW_MS } from '../../modules/workers/worker.service.ts';
import { refreshContext } from '../../context.ts';
import { builder } from '../builder.ts';
import { AUTH_ERRORS } from './errors.ts';
import { connectionComplexity, pageOptions, paginate } from '../connection.ts';
import { AccountRef } from './account.ts';
import { SigningKeyRef } from './signing.ts';
import { TaskRef } from './task.ts';
import { toNumber } from './scalars.ts';

const HardwareRef = builder.objectRef<Hardware>('Hardware').implement({
  description: 'What the worker found on its machine when it registered.',
  fields: (t) => ({
    cpu: t.string({ description: 'CPU model name.', nullable: true, resolve: (hw) => hw.cpu ?? null }),
    cores: t.int({ description: 'Logical CPU cores.', nullable: true, resolve: (hw) => hw.cores ?? null }),
    ramMb: t.int({ description: 'Memory in MiB.', nullable: true, resolve: (hw) => hw.ramMb ?? null }),
    gpu: t.string({ description: 'GPU model, when there is one.', nullable: true, resolve: (hw) => hw.gpu ?? null }),
    gpuMemoryMb: t.int({ description: 'GPU memory in MiB.', nullable: true, resolve: (hw) => hw.gpuMemoryMb ?? null }),
    torchVersion: t.string({ description: 'PyTorch version the worker runs.', nullable: true, resolve: (hw) => hw.torchVersion ?? null }),
    pythonVersion: t.string({ description: 'Python version the worker runs.', nullable: true, resolve: (hw) => hw.pythonVersion ?? null }),
    device: t.string({ description: 'Torch device tasks run on (cpu, cuda, mps).', nullable: true, resolve: (hw) => hw.device ?? null }),
    platform: t.string({ description: 'Operating system and architecture (e.g. linux-x64).', nullable: true, resolve: (hw) => hw.platform ?? null }),
  }),
});

const HardwareInput = builder.inputType('HardwareInput', {
  description: 'What the worker found on its machine.',
  fields: (t) => ({
    cpu: t.string({ description: 'CPU model name.' }),
    cores: t.int({ description: 'Logical CPU cores.' }),
    ramMb: t.int({ description: 'Memory in MiB.' }),
    gpu: t.string({ description: 'GPU model, when there is one.' }),
    gpuMemoryMb: t.int({ description: 'GPU memory in MiB.' }),
    torchVersion: t.string({ description: 'PyTorch version.' }),
    pythonVersion: t.string({ description: 'Python version.' }),
    device: t.string({ description: 'Torch device tasks run on (cpu, cuda, mps).' }),
    platform: t.string({ description: 'Operating system and architecture (e.g. linux-x64).' }),
  }),
});

const SpeedSourceEnum = builder.enumType('SpeedSource', {
  description: 'Where a worker’s measured speed comes from.',
  values: {
    CALIBRATION: { value: 'calibration', description: 'A short training-shaped benchmark the worker runs at start (a few seconds).' },
    TASKS: { value: 'tasks', description: 'The throughput of its recent real tasks (tokens_per_s, model_flops_per_s of their results).' },
  } as const,
});

const WorkerSpeedRef = builder.objectRef<Worker>('WorkerSpeed').implement({
  description: 'How fast a worker trains; the lease fits compute tasks’ wall-clock caps to it.',
  fields: (t) => ({
    tokensPerS: t.float({ nullable: true, description: 'Training tokens per second (prices and caps token budgets).', resolve: (w) => toNumber(w.tokensPerS) }),
    flopsPerS: t.float({ nullable: true, description: 'Training FLOPs per second as the scripts count them (caps FLOP budgets).', resolve: (w) => toNumber(w.flopsPerS) }),
    source: t.field({ type: SpeedSourceEnum, nullable: true, description: 'Calibration or real tasks.', resolve: (w) => w.speedSource ?? null }),
    measuredAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was last reported.', resolve: (w) => w.speedMeasuredAt ?? null }),
  }),
});

export const WorkerRef = builder.objectRef<Worker>('Worker');

builder.node(WorkerRef, {
  isTypeOf: (value) => value instanceof Worker,
  description: 'A volunteer machine.',
  id: { resolve: (worker) => worker.id },
  loadOne: (id, ctx) => ctx.services.workers.find(ctx.viewer, id),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The machine’s name, chosen by its volunteer.' }),
    owner: t.field({ description: 'The volunteer account that owns it.', type: AccountRef, resolve: (worker, _args, ctx) => ctx.services.accounts.get(ctx.viewer, worker.account.id) }),
    hardware: t.field({ description: 'What it found on its machine.', type: HardwareRef, resolve: (worker) => worker.hardware }),
    simulated: t.exposeBoolean('simulated', { description: 'Runs in --simulate mode: its results are marked and earn nothing.' }),
    slots: t.exposeInt('slots', { description: 'How many tasks it trains at once.' }),
    speed: t.field({ type: WorkerSpeedRef, description: 'Its measured training speed (empty until it reports one).', resolve: (worker) => worker }),
    online: t.boolean({
      description: `Heard from (lease or heartbeat) within the last ${ONLINE_WINDOW_MS / 1000} s.`,
      resolve: (worker) => isOnline(worker),
    }),
    lastSeenAt: t.field({ description: 'When it last leased or sent a heartbeat.', type: 'DateTime', resolve: (worker) => worker.lastSeenAt }),
    currentTasks: t.field({
      type: [TaskRef],
      description: 'Tasks it holds a lease on now, with their live progress; only those of campaigns the caller may see.',
      resolve: (worker, _args, ctx) => ctx.services.tasks.currentTasks(worker.id),
    }),
    createdAt: t.field({ description: 'When it registered.', type: 'DateTime', resolve: (worker) => worker.createdAt }),
  }),
});

builder.queryFields((t) => ({
  workers: t.connection(
    {
      type: WorkerRef,
      description: 'The fleet, most recently seen first. Needs a signed-in caller.',
      args: { online: t.arg.boolean({ description: 'Only workers heard from recently (true) or not (false).' }) },
      complexity: connectionComplexity(200, 50),
      resolve: (_root, args, ctx) => paginate(() => ctx.services.workers.list(ctx.viewer, { online: args.online }, pageOptions(args, 50, 200))),
    },
    { fields: (c) => ({ totalCount: c.int({ description: 'How many workers match.', resolve: (connection) => (connection as { totalCount: number }).totalCount }) }) },
  ),
}));

const RegisterWorkerInput = builder.inputType('RegisterWorkerInput', {
  description: 'A machine joining the grid.',
  fields: (t) => ({
    name: t.string({ description: 'The machine’s name (1 to 200 characters).', required: true }),
    hardware: t.field({ description: 'What the worker found on its machine.', type: HardwareInput, required: true }),
    simulated: t.boolean({ description: 'Run in --simulate mode: results are marked simulated and earn nothing.', defaultValue: false }),
    slots: t.int({ description: 'Tasks it trains at once (1 to 64).', defaultValue: 1 }),
  }),
});

const RegisterWorkerPayload = builder.objectRef<{ worker: Worker; token: string }>('RegisterWorkerPayload').implement({
  description: 'The registered machine and its token.',
  fields: (t) => ({
    worker: t.field({ description: 'The registered worker.', type: WorkerRef, resolve: (payload) => payload.worker }),
    token: t.exposeString('token', { description: 'This machine’s own API token, shown only once.' }),
    signingKey: t.field({
      type: SigningKeyRef,
      description: 'The platform key script signatures are made with: the worker pins it now and refuses scripts signed with any other.',
      resolve: (_payload, _args, ctx) => ctx.deps.signer.publicKey,
    }),
  }),
});

builder.mutationField('registerWorker', (t) =>
  t.field({
    type: RegisterWorkerPayload,
    description:
      'Registers a machine. Anonymous calls create a volunteer account (when open registration is on) and are rate-limited per client address and overall (RateLimitedError says when to retry).',
    args: { input: t.arg({ type: RegisterWorkerInput, required: true, description: 'The machine’s name and hardware.' }) },
    errors: { types: [ForbiddenError, ValidationError, RateLimitedError], dataField: { description: 'The worker and its token.' } },
    resolve: (_root, { input }, ctx) =>
      ctx.services.workers.register(
        ctx.viewer,
        { name: input.name, hardware: input.hardware, simulated: input.simulated ?? undefined, slots: input.slots ?? undefined },
        ctx.clientAddress,
      ),
  }),
);

const UpdateWorkerInput = builder.inputType('UpdateWorkerInput', {
  description: 'The calling machine’s refreshed profile.',
  fields: (t) => ({
    name: t.string({ description: 'The machine’s name.', required: true }),
    hardware: t.field({ description: 'What the worker found on its machine.', type: HardwareInput, required: true }),
    slots: t.int({ description: 'Tasks it trains at once.', defaultValue: 1 }),
  }),
});

builder.mutationField('updateWorker', (t) =>
  t.field({
    type: WorkerRef,
    description: 'Refreshes the calling machine’s own profile (name, hardware, slots). Needs its worker token.',
    args: { input: t.arg({ type: UpdateWorkerInput, required: true, description: 'The new profile.' }) },
    errors: { types: [...AUTH_ERRORS, ValidationError], dataField: { description: 'The updated worker.' } },
    resolve: (_root, { input }, ctx) =>
      ctx.services.workers.update(ctx.viewer, { name: input.name, hardware: input.hardware, slots: input.slots ?? undefined }),
  }),
);

const WorkerSpeedInput = builder.inputType('WorkerSpeedInput', {
  description: 'A measured training speed. Give the units measured; one left out keeps its last value.',
  fields: (t) => ({
    tokensPerS: t.float({ description: 'Training tokens per second (positive, finite).' }),
    flopsPerS: t.float({ description: 'Training FLOPs per second, counted as the training scripts count them (6 × matmul weights + attention).' }),
    source: t.field({ type: SpeedSourceEnum, required: true, description: 'CALIBRATION at start, TASKS from real results.' }),
  }),
});

builder.mutationField('reportWorkerSpeed', (t) =>
  t.field({
    type: WorkerRef,
    description:
      'The calling machine reports its measured training speed (calibration at start, refreshed from real tasks). Compute tasks then get a wall-clock cap fitted to it, and tasks it could not finish within their cap are not leased to it. Needs its worker token.',
    args: { input: t.arg({ type: WorkerSpeedInput, required: true, description: 'The speed measured.' }) },
    errors: { types: [...AUTH_ERRORS, ValidationError], dataField: { description: 'The worker with its new speed.' } },
    resolve: (_root, { input }, ctx) => ctx.services.workers.reportSpeed(ctx.viewer, input),
  }),
);

builder.subscriptionField('workerUpdated', (t) =>
  t.field({
    type: WorkerRef,
    description: 'A worker whenever it registers, leases, reports progress or finishes (coalesced per worker).',
    subscribe: (_root, _args, ctx) => ctx.services.workers.updates(ctx.viewer),
    resolve: (event, _args, ctx) => {
      refreshContext(ctx);
      return ctx.services.workers.get(ctx.viewer, (event as { workerId: string }).workerId);
    },
  }),
);
