import { encodeGlobalID } from '@pothos/plugin-relay';
import { filter, pipe } from '@graphql-yoga/subscription';
import { decodeId } from '../global-id.ts';
import {
  Campaign,
  CAMPAIGN_STATUSES,
  type CampaignStatus,
  type SearchStrategy,
  VISIBILITIES,
  type Visibility,
} from '../../db/entities/campaign.entity.ts';
import { InsufficientCreditsError, InvalidStateError, NotFoundError, ValidationError } from '../../errors.ts';
import type { CampaignStats } from '../../modules/campaigns/campaign-stats.ts';
import type { CostEstimate } from '../../modules/campaigns/campaign.service.ts';
import type { ResultPoint } from '../../modules/tasks/task.service.ts';
import { refreshContext } from '../../context.ts';
import { requireViewer } from '../../modules/accounts/viewer.ts';
import { builder } from '../builder.ts';
import { connectionComplexity, pageOptions, paginate } from '../connection.ts';
import { AccountRef } from './account.ts';
import { ArtifactRef } from './artifact.ts';
import { AUTH_ERRORS } from './errors.ts';
import { TaskRef, TaskStatusEnum } from './task.ts';

const upperEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<Uppercase<T>, { value: T }>;

export const CampaignStatusEnum = builder.enumType('CampaignStatus', { values: upperEnum<CampaignStatus>(CAMPAIGN_STATUSES) });
export const SearchStrategyEnum = builder.enumType('SearchStrategy', {
  description: 'How a campaign chooses its experiments. strategyOptions holds each one’s parameters.',
  values: {
    RANDOM: { value: 'random', description: 'Independent draws from the search space, all created at submission.' },
    GRID: { value: 'grid', description: 'The cartesian product of the space (continuous parameters need "points"), created at submission.' },
    TPE: {
      value: 'tpe',
      description: 'Multivariate Tree-structured Parzen Estimator proposing as results arrive; options: startupTasks (random tasks first, default 10), candidates, gamma, priorWeight, maxInFlight.',
    },
    ASHA: {
      value: 'asha',
      description: 'Asynchronous successive halving: configs promoted to η× the budget when in the top 1/η of their rung; options: eta (3), rungs (3), maxInFlight. Escrow reserves the top rung’s cost and returns what cannot be spent.',
    },
    LOCAL: {
      value: 'local',
      description: 'autoresearch’s loop: from a baseline, change one parameter at a time around the best, keep if better; options: baseline (a partial config), parallel (candidates in flight, default 1), logFactor, uniformStep, maxInFlight.',
    },
    AGENT: {
      value: 'agent',
      description: 'An outside program proposes every experiment with proposeExperiments and follows campaignResults; options: maxInFlight.',
    },
  } satisfies Record<Uppercase<SearchStrategy>, { value: SearchStrategy; description: string }>,
});
export const VisibilityEnum = builder.enumType('Visibility', { values: upperEnum<Visibility>(VISIBILITIES) });

const TaskOrderEnum = builder.enumType('TaskOrder', {
  values: {
    INDEX: { description: 'Task index, ascending (the order the brief generated them).' },
    VAL_BPB: { description: 'Best result first; only tasks with a result.' },
    RECENTLY_UPDATED: { description: 'Most recently changed first.' },
  } as const,
});

const CampaignStatsRef = builder.objectRef<CampaignStats>('CampaignStats').implement({
  description: 'Task counts per state and val_bpb over accepted, non-simulated results.',
  fields: (t) => ({
    total: t.exposeInt('total'),
    queued: t.exposeInt('queued'),
    leased: t.exposeInt('leased'),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    cancelled: t.exposeInt('cancelled'),
    simulated: t.exposeInt('simulated', { description: 'Succeeded tasks with simulated results (never in the figures below).' }),
    bestValBpb: t.exposeFloat('bestValBpb', { nullable: true }),
    meanValBpb: t.exposeFloat('meanValBpb', { nullable: true }),
    stdValBpb: t.exposeFloat('stdValBpb', { nullable: true }),
  }),
});

const ResultPointRef = builder.objectRef<ResultPoint>('ResultPoint').implement({
  description: 'A compact finished-task record for charts: one row per succeeded task.',
  fields: (t) => ({
    taskId: t.id({ resolve: (point) => encodeGlobalID('Task', point.taskId) }),
    index: t.exposeInt('index'),
    valBpb: t.exposeFloat('valBpb'),
    finishedAt: t.field({ type: 'DateTime', resolve: (point) => point.finishedAt }),
    config: t.field({ type: 'JSON', resolve: (point) => point.config }),
    simulated: t.exposeBoolean('simulated'),
  }),
});

export const CampaignRef = builder.objectRef<Campaign>('Campaign');

builder.node(CampaignRef, {
  isTypeOf: (value) => value instanceof Campaign,
  description: 'A submitted brief and the tasks it expanded into.',
  id: { resolve: (campaign) => campaign.id },
  loadOne: (id, ctx) => ctx.services.campaigns.find(ctx.viewer, id),
  fields: (t) => ({
    name: t.exposeString('name'),
    hypothesis: t.exposeString('hypothesis'),
    owner: t.field({ type: AccountRef, resolve: (campaign, _args, ctx) => ctx.services.accounts.get(ctx.viewer, campaign.owner.id) }),
    script: t.field({ type: ArtifactRef, resolve: (campaign, _args, ctx) => ctx.services.artifacts.ofCampaign(ctx.viewer, campaign, 'script') }),
    dataset: t.field({ type: ArtifactRef, resolve: (campaign, _args, ctx) => ctx.services.artifacts.ofCampaign(ctx.viewer, campaign, 'dataset') }),
    searchSpace: t.field({ type: 'JSON', resolve: (campaign) => campaign.searchSpace }),
    strategy: t.field({ type: SearchStrategyEnum, resolve: (campaign) => campaign.strategy }),
    taskCount: t.exposeInt('taskCount'),
    budgetS: t.exposeInt('budgetS', { description: 'Per-task time budget in seconds.' }),
    seed: t.exposeInt('seed'),
    maxAttempts: t.exposeInt('maxAttempts'),
    visibility: t.field({ type: VisibilityEnum, resolve: (campaign) => campaign.visibility }),
    allowSimulated: t.exposeBoolean('allowSimulated'),
    status: t.field({ type: CampaignStatusEnum, resolve: (campaign) => campaign.status }),
    costCredits: t.float({ description: 'Credits reserved at submission.', resolve: (campaign) => campaign.costCredits }),
    createdAt: t.field({ type: 'DateTime', resolve: (campaign) => campaign.createdAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (campaign) => campaign.finishedAt ?? null }),
    stats: t.field({
      type: CampaignStatsRef,
      complexity: 5,
      resolve: (campaign, _args, ctx) => ctx.services.campaigns.stats(campaign),
    }),
    bestTask: t.field({
      type: TaskRef,
      nullable: true,
      resolve: (campaign, _args, ctx) => ctx.services.tasks.best(ctx.viewer, campaign),
    }),
    resultPoints: t.field({
      type: [ResultPointRef],
      complexity: 20,
      description: 'Every succeeded task as a chart point, oldest first (simulated ones flagged).',
      resolve: (campaign, _args, ctx) => ctx.services.tasks.resultPoints(ctx.viewer, campaign),
    }),
    tasks: t.connection(
      {
        type: TaskRef,
        args: {
          status: t.arg({ type: TaskStatusEnum }),
          orderBy: t.arg({ type: TaskOrderEnum, defaultValue: 'INDEX' }),
        },
        complexity: connectionComplexity(1000, 100),
        resolve: (campaign, args, ctx) =>
          paginate(() =>
            ctx.services.tasks.list(ctx.viewer, campaign, { status: args.status, orderBy: args.orderBy }, pageOptions(args, 100, 1000)),
          ),
      },
      { name: 'CampaignTaskConnection', fields: (c) => ({ totalCount: c.int({ resolve: (connection) => (connection as { totalCount: number }).totalCount }) }) },
    ),
  }),
});

builder.queryFields((t) => ({
  campaigns: t.connection(
    {
      type: CampaignRef,
      description: 'Campaigns the caller may see (public ones, their own; all for admins), newest first.',
      args: {
        status: t.arg({ type: CampaignStatusEnum }),
        ownerId: t.arg.globalID({ for: AccountRef }),
        mine: t.arg.boolean(),
      },
      complexity: connectionComplexity(100, 20),
      resolve: (_root, args, ctx) =>
        paginate(() =>
          ctx.services.campaigns.list(ctx.viewer, { status: args.status, ownerId: args.ownerId?.id, mine: args.mine }, pageOptions(args, 20, 100)),
        ),
    },
    { fields: (c) => ({ totalCount: c.int({ resolve: (connection) => (connection as { totalCount: number }).totalCount }) }) },
  ),
  campaign: t.field({
    type: CampaignRef,
    nullable: true,
    args: { id: t.arg.globalID({ required: true, for: CampaignRef }) },
    resolve: (_root, { id }, ctx) => ctx.services.campaigns.find(ctx.viewer, id.id),
  }),
  estimateCampaignCost: t.field({
    type: builder.objectRef<CostEstimate>('CostEstimate').implement({
      fields: (f) => ({
        taskCount: f.exposeInt('taskCount'),
        budgetS: f.exposeInt('budgetS'),
        creditsPerTaskSecond: f.exposeInt('creditsPerTaskSecond'),
        total: f.exposeFloat('total'),
      }),
    }),
    description: 'What a brief would reserve at submission: taskCount × budgetS × creditsPerTaskSecond (ASHA: at its top rung’s budget).',
    args: {
      taskCount: t.arg.int({ required: true }),
      budgetS: t.arg.int({ required: true }),
      strategy: t.arg({ type: SearchStrategyEnum, description: 'The brief’s strategy (default RANDOM).' }),
      strategyOptions: t.arg({ type: 'JSON', description: 'The brief’s strategy options (ASHA’s eta and rungs set its top rung).' }),
    },
    resolve: (_root, { taskCount, budgetS, strategy, strategyOptions }, ctx) =>
      ctx.services.campaigns.estimate(Math.max(0, taskCount), Math.max(0, budgetS), strategy ?? 'random', strategyOptions ?? {}),
  }),
}));

const ConfirmInput = builder.inputType('ConfirmInput', {
  description: 'Re-run the topK best configs with `seeds` new seeds each; a config is better only when the intervals say so.',
  fields: (t) => ({
    topK: t.int({ required: true, description: 'How many of the best configs to re-run (1–50).' }),
    seeds: t.int({ required: true, description: 'New seeds per config (1–20).' }),
  }),
});

const SubmitBriefInput = builder.inputType('SubmitBriefInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    hypothesis: t.string({ required: true }),
    script: t.string({ required: true, description: 'SHA-256 or name of a registered training script (e.g. "char-transformer").' }),
    dataset: t.string({ required: true, description: 'SHA-256 of a dataset, or the name of a platform one ("tinyshakespeare", "brown").' }),
    searchSpace: t.field({
      type: 'JSON',
      required: true,
      description: 'Parameter name → constant, or {"type": "choice"|"uniform"|"loguniform"|"int", ...}.',
    }),
    strategy: t.field({ type: SearchStrategyEnum, defaultValue: 'random' }),
    strategyOptions: t.field({
      type: 'JSON',
      description: 'The strategy’s parameters (see SearchStrategy); unknown keys are refused, defaults are filled in.',
    }),
    confirm: t.field({
      type: ConfirmInput,
      description: 'Confirm before keep: once exploring is done, re-run the top configs with new seeds (within taskCount).',
    }),
    taskCount: t.int({ required: true, description: 'The task budget: every task the campaign may run, confirm replicates included.' }),
    budgetS: t.int({ required: true }),
    seed: t.int({ defaultValue: 0 }),
    maxAttempts: t.int({ defaultValue: 3 }),
    visibility: t.field({ type: VisibilityEnum, defaultValue: 'private' }),
    allowSimulated: t.boolean({ defaultValue: false, description: 'Let --simulate workers (demos, tests) take its tasks.' }),
  }),
});

builder.mutationFields((t) => ({
  submitBrief: t.field({
    type: CampaignRef,
    description: 'Validates a brief, reserves its cost and expands it into tasks, all or nothing.',
    args: { input: t.arg({ type: SubmitBriefInput, required: true }) },
    errors: { types: [...AUTH_ERRORS, ValidationError, InsufficientCreditsError] },
    resolve: (_root, { input }, ctx) =>
      ctx.services.campaigns.submit(ctx.viewer, {
        ...input,
        strategy: input.strategy ?? undefined,
        seed: input.seed ?? undefined,
        maxAttempts: input.maxAttempts ?? undefined,
        visibility: input.visibility ?? undefined,
        allowSimulated: input.allowSimulated ?? undefined,
        strategyOptions: input.strategyOptions ?? undefined,
        confirm: input.confirm ?? null,
      }),
  }),
  cancelCampaign: t.field({
    type: CampaignRef,
    description: 'Cancels queued and running tasks and returns the unspent credits.',
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [...AUTH_ERRORS, NotFoundError, InvalidStateError] },
    resolve: (_root, { id }, ctx) => ctx.services.campaigns.cancel(ctx.viewer, decodeId(String(id), 'Campaign')),
  }),
}));

builder.subscriptionField('campaignUpdated', (t) =>
  t.field({
    type: CampaignRef,
    description: 'The campaign whenever its status or task counts change (coalesced to 5 per second at most).',
    args: { id: t.arg.id({ required: true }) },
    subscribe: async (_root, { id }, ctx) => {
      const campaignId = decodeId(String(id), 'Campaign');
      await ctx.services.campaigns.get(ctx.viewer, campaignId);
      return ctx.deps.events.onCampaign(campaignId);
    },
    resolve: (event, _args, ctx) => {
      refreshContext(ctx);
      return ctx.services.campaigns.get(ctx.viewer, (event as { campaignId: string }).campaignId);
    },
  }),
);


builder.subscriptionField('campaignListChanged', (t) =>
  t.field({
    type: CampaignRef,
    description: 'A campaign the caller can see was submitted or changed status (completed, cancelled): lists re-read.',
    subscribe: (_root, _args, ctx) => {
      requireViewer(ctx.viewer);
      // Visibility is checked per event: the stream carries every campaign on the platform.
      return pipe(
        ctx.deps.events.onCampaignList(),
        filter(async (event: { campaignId: string }) => {
          refreshContext(ctx);
          return (await ctx.services.campaigns.find(ctx.viewer, event.campaignId)) !== null;
        }),
      );
    },
    resolve: (event, _args, ctx) => {
      refreshContext(ctx);
      return ctx.services.campaigns.get(ctx.viewer, (event as { campaignId: string }).campaignId);
    },
  }),
);
