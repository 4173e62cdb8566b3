// The campaign loop in the schema: what every task was derived from and how its result was marked,
// confirm-before-keep verdicts, the results export, and the AGENT strategy's mutation and stream.
import type { Campaign } from '../../db/entities/campaign.entity.ts';
import type { TaskMark, TaskRole } from '../../db/entities/task.entity.ts';
import { InvalidStateError, NotFoundError, TaskBudgetExceededError, ValidationError } from '../../errors.ts';
import type { Confirmation, ConfirmReport } from '../../modules/campaigns/results.service.ts';
import type { ExportFormat } from '../../modules/campaigns/results-export.ts';
import { refreshContext } from '../../context.ts';
import type { Task } from '../../db/entities/task.entity.ts';
import { builder } from '../builder.ts';
import { decodeId } from '../global-id.ts';
import { CampaignRef } from './campaign.ts';
import { AUTH_ERRORS } from './errors.ts';
import { TaskRef } from './task.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';

const TaskRoleEnum = builder.enumType('TaskRole', {
  description: 'Why a task exists.',
  values: {
    EXPLORE: { value: 'explore', description: 'Proposed by the strategy or the agent to try a config.' },
    CONFIRM: { value: 'confirm', description: 'A confirm-before-keep replicate: a top config again with a new seed (its parent is the original).' },
  } satisfies Record<Uppercase<TaskRole>, { value: TaskRole; description: string }>,
});

const TaskMarkEnum = builder.enumType('TaskMark', {
  description: 'autoresearch’s results.tsv status, set when the result arrives.',
  values: {
    KEEP: { value: 'keep', description: 'Lower val_bpb than its reference (the parent’s result, else the best so far), or the first result.' },
    DISCARD: { value: 'discard', description: 'Not better than its reference.' },
    CRASH: { value: 'crash', description: 'The task failed for good: no result.' },
  } satisfies Record<Uppercase<TaskMark>, { value: TaskMark; description: string }>,
});

const ExportFormatEnum = builder.enumType('ResultsExportFormat', {
  description: 'A results export’s format.',
  values: {
    TSV: { value: 'tsv', description: 'Tab-separated with a header row, like autoresearch’s results.tsv.' },
    CSV: { value: 'csv', description: 'Comma-separated with a header row (RFC 4180 quoting).' },
    JSON: { value: 'json', description: 'A JSON array of row objects with the same keys, plus task and parent ids.' },
  } satisfies Record<Uppercase<ExportFormat>, { value: ExportFormat; description: string }>,
});

builder.objectFields(TaskRef, (t) => ({
  description: t.string({ nullable: true, description: 'One line: what this experiment changed and why.', resolve: (task) => task.description ?? null }),
  parent: t.field({
    type: TaskRef,
    nullable: true,
    description: 'The task this one was derived from (local’s current best, an ASHA promotion, the config a replicate confirms).',
    resolve: (task, _args, ctx) => (task.parentTaskId ? ctx.services.tasks.find(ctx.viewer, task.parentTaskId) : null),
  }),
  parentId: t.id({
    nullable: true,
    description:
      'The parent’s global id, without reading the parent: lists of thousands of tasks resolve it against the tasks they hold (parent reads each one).',
    resolve: (task) => (task.parentTaskId ? encodeGlobalID('Task', task.parentTaskId) : null),
  }),
  derivedFrom: t.field({
    type: 'JSON',
    nullable: true,
    description: 'Machine-readable provenance: the strategy and the inputs of its decision.',
    resolve: (task) => task.derivedFrom ?? null,
  }),
  budgetScale: t.float({ description: 'Multiple of the campaign’s budgetS this task runs with (ASHA rungs); budgetS includes it.', resolve: (task) => Number(task.budgetScale) }),
  role: t.field({ type: TaskRoleEnum, description: 'Explore, or a confirm-before-keep replicate.', resolve: (task) => task.role }),
  mark: t.field({
    type: TaskMarkEnum,
    nullable: true,
    description: 'Keep / discard / crash, set when the result (or the final failure) arrives; null before.',
    resolve: (task) => task.mark ?? null,
  }),
  markAgainst: t.field({
    type: TaskRef,
    nullable: true,
    description: 'The task whose result the mark compared with: the parent, or the best result before this one.',
    resolve: (task, _args, ctx) => (task.markAgainstTaskId ? ctx.services.tasks.find(ctx.viewer, task.markAgainstTaskId) : null),
  }),
}));

const ConfirmSettingsRef = builder.objectRef<{ topK: number; seeds: number }>('ConfirmSettings').implement({
  description: 'The campaign’s confirm-before-keep option.',
  fields: (t) => ({
    topK: t.exposeInt('topK', { description: 'How many of the best configs are re-run.' }),
    seeds: t.exposeInt('seeds', { description: 'New seeds per re-run config.' }),
  }),
});

const ConfirmationRef = builder.objectRef<Confirmation>('Confirmation').implement({
  description: 'One re-run config: its original run and replicates, mean val_bpb ± a 95% Student-t interval.',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: '1 = lowest mean.' }),
    config: t.field({ type: 'JSON', description: 'The config, keys sorted.', resolve: (c) => c.config }),
    budgetScale: t.exposeFloat('budgetScale', { description: 'The budget multiple the runs used.' }),
    task: t.field({ type: TaskRef, nullable: true, description: 'The explore task that was confirmed.', resolve: (c, _args, ctx) => ctx.services.tasks.find(ctx.viewer, c.taskId) }),
    replicateTaskIds: t.idList({
      description: 'The replicate tasks’ ids.',
      resolve: (c) => c.replicateTaskIds.map((id) => encodeGlobalID('Task', id)),
    }),
    values: t.floatList({ description: 'Every succeeded run’s val_bpb, the original first.', resolve: (c) => c.values }),
    n: t.exposeInt('n', { description: 'Succeeded runs.' }),
    mean: t.exposeFloat('mean', { description: 'Mean val_bpb.' }),
    std: t.exposeFloat('std', { nullable: true, description: 'Sample standard deviation; null with one run.' }),
    low: t.exposeFloat('low', { nullable: true, description: 'Lower end of the 95% interval of the mean (one run: from the noise floor; null without one).' }),
    high: t.exposeFloat('high', { nullable: true, description: 'Upper end of the 95% interval of the mean.' }),
    distinguishable: t.exposeBoolean('distinguishable', {
      description: 'Rank 1: better than every other config by the intervals. Others: rank 1 is better than this one by the intervals.',
    }),
  }),
});

const ConfirmReportRef = builder.objectRef<ConfirmReport>('ConfirmReport').implement({
  description: 'Confirm-before-keep results of a campaign.',
  fields: (t) => ({
    configs: t.field({ type: [ConfirmationRef], description: 'Re-run configs, best mean first.', resolve: (report) => report.configs }),
    noiseFloor: t.exposeFloat('noiseFloor', {
      nullable: true,
      description: 'Pooled standard deviation of val_bpb across seeds of one config: smaller differences are noise.',
    }),
  }),
});

builder.objectFields(CampaignRef, (t) => ({
  strategyOptions: t.field({ type: 'JSON', description: 'The strategy’s parameters, defaults filled in.', resolve: (campaign) => campaign.strategyOptions ?? {} }),
  confirm: t.field({
    type: ConfirmSettingsRef,
    nullable: true,
    description: 'Confirm before keep, when the brief asked for it.',
    resolve: (campaign) => (campaign.confirmTopK > 0 ? { topK: campaign.confirmTopK, seeds: campaign.confirmSeeds } : null),
  }),
  tasksRemaining: t.int({
    description: 'Tasks of the budget not created yet (AGENT campaigns: what proposeExperiments may still add, plus confirm replicates).',
    resolve: async (campaign, _args, ctx) => Math.max(0, campaign.taskCount - (await ctx.services.campaigns.stats(campaign)).total),
  }),
  proposalsRemaining: t.int({
    description: 'Experiments the strategy (or, for AGENT, proposeExperiments) may still add: the budget less confirm replicates less those created.',
    resolve: (campaign, _args, ctx) => ctx.services.results.proposalsRemaining(ctx.viewer, campaign),
  }),
  confirmations: t.field({
    type: ConfirmReportRef,
    complexity: 20,
    description: 'Confirm-before-keep verdicts: each re-run config with mean ± interval, and the noise floor.',
    resolve: (campaign, _args, ctx) => ctx.services.results.confirmations(ctx.viewer, campaign),
  }),
  resultsExport: t.string({
    complexity: 50,
    description: 'Every task as a row: task, parent, val_bpb, mark, status, description, config, seed, budget_s, budget_scale, role, against, simulated, finished_at.',
    args: { format: t.arg({ type: ExportFormatEnum, defaultValue: 'tsv', description: 'TSV (default), CSV or JSON.' }) },
    resolve: (campaign, { format }, ctx) => ctx.services.results.export(ctx.viewer, campaign, format ?? 'tsv'),
  }),
}));

const ExperimentInput = builder.inputType('ExperimentInput', {
  description: 'One experiment an agent proposes.',
  fields: (t) => ({
    config: t.field({ type: 'JSON', required: true, description: 'A concrete config inside the search space (constants may be left out).' }),
    description: t.string({ required: true, description: 'One line (≤ 500 characters): what changed and why.' }),
    parentTaskId: t.id({ description: 'The task of this campaign it was derived from (its mark compares against that task’s result).' }),
    seed: t.int({ description: 'Training seed; by default derived from the campaign’s seed and the task’s index.' }),
  }),
});

const ProposalPayloadRef = builder.objectRef<{ tasks: Task[]; campaign: Campaign }>('ProposeExperimentsPayload').implement({
  description: 'The tasks created, queued in the order proposed.',
  fields: (t) => ({
    tasks: t.field({ type: [TaskRef], description: 'One per experiment, in order.', resolve: (payload) => payload.tasks }),
    campaign: t.field({ type: CampaignRef, description: 'The campaign (proposalsRemaining: how many more it takes).', resolve: (payload) => payload.campaign }),
  }),
});

builder.mutationFields((t) => ({
  proposeExperiments: t.field({
    type: ProposalPayloadRef,
    description: 'AGENT campaigns: queue experiments (owner only), each checked against the search space, within the remaining task budget; all or nothing.',
    args: {
      campaignId: t.arg.id({ required: true, description: 'The AGENT campaign.' }),
      experiments: t.arg({ type: [ExperimentInput], required: true, description: '1 to 100 experiments.' }),
    },
    errors: {
      types: [...AUTH_ERRORS, NotFoundError, ValidationError, InvalidStateError, TaskBudgetExceededError],
      dataField: { description: 'The tasks created, one per proposed experiment, in order.' },
    },
    resolve: async (_root, { campaignId, experiments }, ctx) => {
      const id = decodeId(String(campaignId), 'Campaign');
      const tasks = await ctx.services.agents.propose(
        ctx.viewer,
        id,
        experiments.map((experiment, i) => ({
          config: experiment.config,
          description: experiment.description,
          parentTaskId: experiment.parentTaskId == null ? null : decodeParent(String(experiment.parentTaskId), i),
          seed: experiment.seed ?? null,
        })),
      );
      refreshContext(ctx);
      return { tasks, campaign: await ctx.services.campaigns.get(ctx.viewer, id) };
    },
  }),
}));

/** A parent id that is not a Task id is a field error of that experiment, not a NotFoundError. */
function decodeParent(globalId: string, index: number): string {
  try {
    return decodeId(globalId, 'Task');
  } catch {
    throw new ValidationError([{ path: ['experiments', String(index), 'parentTaskId'], message: 'is not a task id' }]);
  }
}

builder.subscriptionField('campaignResults', (t) =>
  t.field({
    type: TaskRef,
    description: 'Each task of the campaign once its result (or final failure) has arrived and been marked: what an agent loop follows.',
    args: { campaignId: t.arg.id({ required: true, description: 'The campaign to follow.' }) },
    subscribe: async (_root, { campaignId }, ctx) => {
      const id = decodeId(String(campaignId), 'Campaign');
      await ctx.services.campaigns.get(ctx.viewer, id);
      return ctx.deps.events.onResult(id);
    },
    resolve: async (event, _args, ctx) => {
      refreshContext(ctx);
      return ctx.services.tasks.get(ctx.viewer, (event as { taskId: string }).taskId);
    },
  }),
);
