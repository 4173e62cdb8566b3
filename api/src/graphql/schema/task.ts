import { Task, type TaskProgress, type TaskStatus } from '../../db/entities/task.entity.ts';
import { canonical } from '../../modules/campaigns/sampler.ts';
import { refreshContext } from '../../context.ts';
import { builder } from '../builder.ts';
import { describedValues } from '../described-enum.ts';
import { toNumber } from './scalars.ts';
import { decodeId } from '../global-id.ts';
import { CampaignRef } from './campaign.ts';
import { RunResultRef } from './run-result.ts';
import { WorkerRef } from './worker.ts';
import { BudgetRef } from './budget.ts';
import { budgetOf } from '../../modules/campaigns/budget.ts';

export const TaskStatusEnum = builder.enumType('TaskStatus', {
  description: 'Where a task is in its lifecycle (see api/src/modules/tasks/lease-state.ts).',
  values: describedValues<TaskStatus>({
    queued: 'Waiting for a worker to lease it.',
    leased: 'A worker holds a lease and is training it; the lease expires without heartbeats.',
    succeeded: 'A result was accepted.',
    failed: 'Every attempt failed; it will not be leased again.',
    cancelled: 'Its campaign was cancelled before it finished.',
  }),
});

export const TaskProgressRef = builder.objectRef<TaskProgress>('TaskProgress').implement({
  description: 'The latest progress a worker reported in a heartbeat.',
  fields: (t) => ({
    step: t.int({ description: 'Training steps done so far.', nullable: true, resolve: (progress) => progress.step ?? null }),
    trainLoss: t.float({ description: 'The latest training loss.', nullable: true, resolve: (progress) => progress.trainLoss ?? null }),
    elapsedS: t.float({ description: 'Seconds since the script started training.', nullable: true, resolve: (progress) => progress.elapsedS ?? null }),
    message: t.string({ description: 'A short status line from the worker.', nullable: true, resolve: (progress) => progress.message ?? null }),
  }),
});

export const TaskRef = builder.objectRef<Task>('Task');

builder.node(TaskRef, {
  isTypeOf: (value) => value instanceof Task,
  description: 'One bounded training run: a concrete config, a seed and a time budget.',
  id: { resolve: (task) => task.id },
  loadOne: (id, ctx) => ctx.services.tasks.find(ctx.viewer, id),
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'The task’s index in its campaign (the order the brief generated it).' }),
    campaign: t.field({ description: 'The campaign it belongs to.', type: CampaignRef, resolve: (task, _args, ctx) => ctx.services.campaigns.get(ctx.viewer, task.campaign.id) }),
    config: t.field({ type: 'JSON', description: 'The sampled hyperparameters, keys sorted.', resolve: (task) => canonical(task.config) }),
    seed: t.exposeInt('seed', { description: 'The training seed handed to the script.' }),
    budgetS: t.exposeInt('budgetS', { description: 'A wall budget’s seconds, or a compute budget’s cap on any machine.' }),
    budget: t.field({ type: BudgetRef, description: 'The task’s budget.', resolve: (task) => budgetOf(task) }),
    leaseCapS: t.int({
      nullable: true,
      description: 'The wall-clock cap its latest lease gave the script (budget_s): a compute task’s cap fitted to the worker’s measured speed.',
      resolve: (task) => task.leaseCapS ?? null,
    }),
    hardwareClass: t.string({
      nullable: true,
      description: 'Hardware class of the accepted result: device|torch build|CPU kernels|threads (runs of one class replay bit-identically).',
      resolve: (task) => task.hardwareClass ?? null,
    }),
    status: t.field({ description: 'Where it is in its lifecycle.', type: TaskStatusEnum, resolve: (task) => task.status }),
    attempts: t.exposeInt('attempts', { description: 'Leases so far, the current one included.' }),
    maxAttempts: t.exposeInt('maxAttempts', { description: 'Leases allowed before the task fails for good.' }),
    worker: t.field({
      type: WorkerRef,
      nullable: true,
      description: 'The worker holding the lease, or the last one that ran it.',
      resolve: (task, _args, ctx) => (task.worker ? ctx.services.workers.find(ctx.viewer, task.worker.id) : null),
    }),
    leasedAt: t.field({ description: 'When the current (or last) lease began.', type: 'DateTime', nullable: true, resolve: (task) => task.leasedAt ?? null }),
    leaseExpiresAt: t.field({ description: 'When the current lease runs out without a heartbeat.', type: 'DateTime', nullable: true, resolve: (task) => task.leaseExpiresAt ?? null }),
    heartbeatAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the holder last sent a heartbeat (live, not only when the row was last written).',
      resolve: async (task, _args, ctx) => (await ctx.services.tasks.lastHeartbeat(task)).heartbeatAt,
    }),
    progress: t.field({
      type: TaskProgressRef,
      nullable: true,
      description: 'The progress of the latest heartbeat, while the task is leased.',
      resolve: async (task, _args, ctx) => (await ctx.services.tasks.lastHeartbeat(task)).progress,
    }),
    valBpb: t.float({ nullable: true, description: 'From the accepted result.', resolve: (task) => toNumber(task.valBpb) }),
    simulated: t.exposeBoolean('simulated', { description: 'The accepted result came from a --simulate worker.' }),
    failureReason: t.string({ description: 'Why the last attempt failed, when it did.', nullable: true, resolve: (task) => task.failureReason ?? null }),
    result: t.field({
      type: RunResultRef,
      nullable: true,
      description: 'The accepted result, once the task succeeded.',
      resolve: (task, _args, ctx) => ctx.services.tasks.acceptedResult(task),
    }),
    history: t.field({
      type: [RunResultRef],
      description: 'Every attempt’s outcome, oldest first.',
      complexity: 5,
      resolve: (task, _args, ctx) => ctx.services.tasks.history(task),
    }),
    finishedAt: t.field({ description: 'When it succeeded, failed for good or was cancelled.', type: 'DateTime', nullable: true, resolve: (task) => task.finishedAt ?? null }),
    createdAt: t.field({ description: 'When it was created.', type: 'DateTime', resolve: (task) => task.createdAt }),
    updatedAt: t.field({ description: 'When it last changed.', type: 'DateTime', resolve: (task) => task.updatedAt }),
  }),
});

builder.subscriptionField('taskUpdated', (t) =>
  t.field({
    type: TaskRef,
    description: 'Each task of the campaign as it is leased, reports progress, succeeds or fails.',
    args: { campaignId: t.arg.id({ required: true, description: 'Global id of the campaign to follow.' }) },
    subscribe: async (_root, { campaignId }, ctx) => {
      const id = decodeId(String(campaignId), 'Campaign');
      await ctx.services.campaigns.get(ctx.viewer, id);
      return ctx.deps.events.onTask(id);
    },
    resolve: async (event, _args, ctx) => {
      refreshContext(ctx);
      return ctx.services.tasks.get(ctx.viewer, (event as { taskId: string }).taskId);
    },
  }),
);
