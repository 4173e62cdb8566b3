import { type Hardware, Worker } from '../../db/entities/worker.entity.ts';
import { ForbiddenError, ValidationError } from '../../errors.ts';
import { isOnline, ONLINE_WINDOW_MS } from '../../modules/workers/worker.service.ts';
import { refreshContext } from '../../context.ts';
import { builder } from '../builder.ts';
import { AUTH_ERRORS } from './errors.ts';
import { connectionComplexity, pageOptions, paginate } from '../connection.ts';
import { AccountRef } from './account.ts';
import { SigningKeyRef } from './signing.ts';
import { TaskRef } from './task.ts';

const HardwareRef = builder.objectRef<Hardware>('Hardware').implement({
  description: 'What the worker found on its machine when it registered.',
  fields: (t) => ({
    cpu: t.string({ nullable: true, resolve: (hw) => hw.cpu ?? null }),
    cores: t.int({ nullable: true, resolve: (hw) => hw.cores ?? null }),
    ramMb: t.int({ nullable: true, resolve: (hw) => hw.ramMb ?? null }),
    gpu: t.string({ nullable: true, resolve: (hw) => hw.gpu ?? null }),
    gpuMemoryMb: t.int({ nullable: true, resolve: (hw) => hw.gpuMemoryMb ?? null }),
    torchVersion: t.string({ nullable: true, resolve: (hw) => hw.torchVersion ?? null }),
    pythonVersion: t.string({ nullable: true, resolve: (hw) => hw.pythonVersion ?? null }),
    device: t.string({ nullable: true, resolve: (hw) => hw.device ?? null }),
    platform: t.string({ nullable: true, resolve: (hw) => hw.platform ?? null }),
  }),
});

const HardwareInput = builder.inputType('HardwareInput', {
  fields: (t) => ({
    cpu: t.string(),
    cores: t.int(),
    ramMb: t.int(),
    gpu: t.string(),
    gpuMemoryMb: t.int(),
    torchVersion: t.string(),
    pythonVersion: t.string(),
    device: t.string(),
    platform: t.string(),
  }),
});

export const WorkerRef = builder.objectRef<Worker>('Worker');

builder.node(WorkerRef, {
  isTypeOf: (value) => value instanceof Worker,
  description: 'A volunteer machine.',
  id: { resolve: (worker) => worker.id },
  loadOne: (id, ctx) => ctx.services.workers.find(ctx.viewer, id),
  fields: (t) => ({
    name: t.exposeString('name'),
    owner: t.field({ type: AccountRef, resolve: (worker, _args, ctx) => ctx.services.accounts.get(ctx.viewer, worker.account.id) }),
    hardware: t.field({ type: HardwareRef, resolve: (worker) => worker.hardware }),
    simulated: t.exposeBoolean('simulated', { description: 'Runs in --simulate mode: its results are marked and earn nothing.' }),
    slots: t.exposeInt('slots'),
    online: t.boolean({
      description: `Heard from (lease or heartbeat) within the last ${ONLINE_WINDOW_MS / 1000} s.`,
      resolve: (worker) => isOnline(worker),
    }),
    lastSeenAt: t.field({ type: 'DateTime', resolve: (worker) => worker.lastSeenAt }),
    currentTasks: t.field({
      type: [TaskRef],
      description: 'Tasks it holds a lease on now, with their live progress; only those of campaigns the caller may see.',
      resolve: (worker, _args, ctx) => ctx.services.tasks.currentTasks(worker.id),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (worker) => worker.createdAt }),
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
    { fields: (c) => ({ totalCount: c.int({ resolve: (connection) => (connection as { totalCount: number }).totalCount }) }) },
  ),
}));

const RegisterWorkerInput = builder.inputType('RegisterWorkerInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    hardware: t.field({ type: HardwareInput, required: true }),
    simulated: t.boolean({ defaultValue: false }),
    slots: t.int({ defaultValue: 1 }),
  }),
});

const RegisterWorkerPayload = builder.objectRef<{ worker: Worker; token: string }>('RegisterWorkerPayload').implement({
  fields: (t) => ({
    worker: t.field({ type: WorkerRef, resolve: (payload) => payload.worker }),
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
    description: 'Registers a machine. Anonymous calls create a volunteer account (when open registration is on).',
    args: { input: t.arg({ type: RegisterWorkerInput, required: true }) },
    errors: { types: [ForbiddenError, ValidationError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.workers.register(ctx.viewer, {
        name: input.name,
        hardware: input.hardware,
        simulated: input.simulated ?? undefined,
        slots: input.slots ?? undefined,
      }),
  }),
);

const UpdateWorkerInput = builder.inputType('UpdateWorkerInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    hardware: t.field({ type: HardwareInput, required: true }),
    slots: t.int({ defaultValue: 1 }),
  }),
});

builder.mutationField('updateWorker', (t) =>
  t.field({
    type: WorkerRef,
    description: 'Refreshes the calling machine’s own profile (name, hardware, slots). Needs its worker token.',
    args: { input: t.arg({ type: UpdateWorkerInput, required: true }) },
    errors: { types: [...AUTH_ERRORS, ValidationError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.workers.update(ctx.viewer, { name: input.name, hardware: input.hardware, slots: input.slots ?? undefined }),
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
