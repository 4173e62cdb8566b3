import { encodeGlobalID } from '@pothos/plugin-relay';
import { filter, pipe } from '@graphql-yoga/subscription';
import { decodeId } from '../global-id.ts';
import {
  Campaign,
  type CampaignStatus,
  type SearchStrategy,
  type Visibility,
} from '../../db/entities/campaign.entity.ts';
import { InsufficientCreditsError, InvalidStateError, NotFoundError, ValidationError } from '../../errors.ts';
import type { CampaignStats } from '../../modules/campaigns/campaign-stats.ts';
import type { CostEstimate } from '../../modules/campaigns/campaign.service.ts';
import type { ResultPoint } from '../../modules/tasks/task.service.ts';
import { refreshContext } from '../../context.ts';
import { builder } from '../builder.ts';
import { describedValues } from '../described-enum.ts';
import { connectionComplexity, pageOptions, paginate } from '../connection.ts';
import { AccountRef } from './account.ts';
import { ArtifactRef } from './artifact.ts';
import { AUTH_ERRORS } from './errors.ts';
import { BudgetInputRef, BudgetRef } from './budget.ts';
import { budgetOf } from '../../modules/campaigns/budget.ts';
import { TaskRef, TaskStatusEnum } from './task.ts';

export const CampaignStatusEnum = builder.enumType('CampaignStatus', {
  description: 'Where a campaign is in its life.',
  values: describedValues<CampaignStatus>({
    running: 'Tasks are queued or being trained.',
    completed: 'Every task finished (succeeded or failed for good); unspent escrow was refunded.',
    cancelled: 'The owner cancelled it; queued tasks were dropped and unspent escrow refunded.',
  }),
});
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
export const VisibilityEnum = builder.enumType('Visibility', {
  description: 'Who may see a campaign.',
  values: describedValues<Visibility>({
    private: 'Only its owner and admins.',
    public: 'Everyone, signed in or not: its tasks, configs and results join the open record.',
  }),
});

const TaskOrderEnum = builder.enumType('TaskOrder', {
  description: 'Orders for a campaign’s task list.',
  values: {
    INDEX: { description: 'Task index, ascending (the order the brief generated them).' },
    VAL_BPB: { description: 'Best result first; only tasks with a result.' },
    RECENTLY_UPDATED: { description: 'Most recently changed first.' },
  } as const,
});

export const CampaignStatsRef = builder.objectRef<CampaignStats>('CampaignStats').implement({
  description: 'Task counts per state (the campaign’s own tasks; replicas counted apart) and val_bpb over canonical results: not simulated, and valid (or unverified when verification is off).',
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'All tasks of the campaign.' }),
    queued: t.exposeInt('queued', { description: 'Tasks waiting for a worker.' }),
    leased: t.exposeInt('leased', { description: 'Tasks a worker is training now.' }),
    succeeded: t.exposeInt('succeeded', { description: 'Tasks with an accepted result.' }),
    failed: t.exposeInt('failed', { description: 'Tasks that failed for good (attempts used up).' }),
    cancelled: t.exposeInt('cancelled', { description: 'Tasks dropped by cancellation.' }),
    simulated: t.exposeInt('simulated', { description: 'Succeeded tasks with simulated results (never in the figures below).' }),
    bestValBpb: t.exposeFloat('bestValBpb', { description: 'Lowest val_bpb (bits per byte, lower is better).', nullable: true }),
    meanValBpb: t.exposeFloat('meanValBpb', { description: 'Mean val_bpb.', nullable: true }),
    stdValBpb: t.exposeFloat('stdValBpb', { description: 'Sample standard deviation of val_bpb.', nullable: true }),
    hardwareClasses: t.exposeStringList('hardwareClasses', {
      description: 'Hardware classes (device|torch build|CPU kernels|threads) of the results behind the figures, sorted.',
    }),
    mixedHardware: t.exposeBoolean('mixedHardware', {
      description: 'Wall budgets only: the figures mix results from more than one hardware class, whose val_bpb are not comparable (their step counts follow the machine).',
    }),
  }),
});

export const ResultPointRef = builder.objectRef<ResultPoint>('ResultPoint').implement({
  description: 'A compact finished-task record for charts: one row per succeeded task.',
  fields: (t) => ({
    taskId: t.id({ description: 'Global id of the task.', resolve: (point) => encodeGlobalID('Task', point.taskId) }),
    index: t.exposeInt('index', { description: 'The task’s index in its campaign.' }),
    valBpb: t.exposeFloat('valBpb', { description: 'The result’s val_bpb.' }),
    finishedAt: t.field({ type: 'DateTime', description: 'When the result arrived.', resolve: (point) => point.finishedAt }),
    config: t.field({ type: 'JSON', description: 'The concrete config the task trained with.', resolve: (point) => point.config }),
    simulated: t.exposeBoolean('simulated', { description: 'True for results from --simulate workers (not real training).' }),
  }),
});

export const CampaignRef = builder.objectRef<Campaign>('Campaign');

builder.node(CampaignRef, {
  isTypeOf: (value) => value instanceof Campaign,
  description: 'A submitted brief and the tasks it expanded into.',
  id: { resolve: (campaign) => campaign.id },
  loadOne: (id, ctx) => ctx.services.campaigns.find(ctx.viewer, id),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Short name.' }),
    hypothesis: t.exposeString('hypothesis', { description: 'The question the campaign answers.' }),
    owner: t.field({ type: AccountRef, description: 'The researcher who submitted it.', resolve: (campaign, _args, ctx) => ctx.services.accounts.get(ctx.viewer, campaign.owner.id) }),
    script: t.field({ type: ArtifactRef, description: 'The training script every task runs.', resolve: (campaign, _args, ctx) => ctx.services.artifacts.ofCampaign(ctx.viewer, campaign, 'script') }),
    dataset: t.field({ type: ArtifactRef, description: 'The dataset every task trains and evaluates on.', resolve: (campaign, _args, ctx) => ctx.services.artifacts.ofCampaign(ctx.viewer, campaign, 'dataset') }),
    searchSpace: t.field({ type: 'JSON', description: 'The brief’s search space, as submitted.', resolve: (campaign) => campaign.searchSpace }),
    strategy: t.field({ type: SearchStrategyEnum, description: 'How configs are chosen.', resolve: (campaign) => campaign.strategy }),
    taskCount: t.exposeInt('taskCount', { description: 'How many tasks the brief asked for.' }),
    budgetS: t.exposeInt('budgetS', { description: 'Per task: a wall budget’s seconds, or a compute budget’s wall-clock cap.' }),
    budget: t.field({ type: BudgetRef, description: 'The per-task budget: wall seconds or a fixed amount of compute.', resolve: (campaign) => budgetOf(campaign) }),
    hardwareClasses: t.stringList({
      description: 'Hardware classes its accepted results ran on (see CampaignStats.mixedHardware).',
      complexity: 5,
      resolve: async (campaign, _args, ctx) => (await ctx.services.campaigns.stats(campaign)).hardwareClasses,
    }),
    seed: t.exposeInt('seed', { description: 'The brief’s seed.' }),
    maxAttempts: t.exposeInt('maxAttempts', { description: 'How often a task may be leased before it fails for good.' }),
    visibility: t.field({ type: VisibilityEnum, description: 'Who may see it.', resolve: (campaign) => campaign.visibility }),
    allowSimulated: t.exposeBoolean('allowSimulated', { description: 'Whether --simulate workers may take its tasks.' }),
    ownMachinesOnly: t.exposeBoolean('ownMachinesOnly', { description: 'Leased only to workers of its owner’s account.' }),
    status: t.field({ type: CampaignStatusEnum, description: 'Where it is in its life.', resolve: (campaign) => campaign.status }),
    costCredits: t.float({ description: 'Credits reserved at submission.', resolve: (campaign) => campaign.costCredits }),
    createdAt: t.field({ type: 'DateTime', description: 'When the brief was submitted.', resolve: (campaign) => campaign.createdAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it completed or was cancelled.', resolve: (campaign) => campaign.finishedAt ?? null }),
    stats: t.field({
      type: CampaignStatsRef,
      complexity: 5,
      description: 'Task counts per state and val_bpb statistics.',
      resolve: (campaign, _args, ctx) => ctx.services.campaigns.stats(campaign),
    }),
    bestTask: t.field({
      type: TaskRef,
      nullable: true,
      description: 'The task with the lowest accepted, non-simulated val_bpb.',
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
        description: 'The campaign’s tasks, paged.',
        args: {
          status: t.arg({ type: TaskStatusEnum, description: 'Only tasks in this state.' }),
          orderBy: t.arg({ type: TaskOrderEnum, defaultValue: 'INDEX', description: 'Sort order.' }),
          verifiedOnly: t.arg.boolean({ description: 'Only tasks whose result independent replays (or trust) made valid.' }),
        },
        complexity: connectionComplexity(1000, 100),
        resolve: (campaign, args, ctx) =>
          paginate(() =>
            ctx.services.tasks.list(ctx.viewer, campaign, { status: args.status, orderBy: args.orderBy, verifiedOnly: args.verifiedOnly }, pageOptions(args, 100, 1000)),
          ),
      },
      { name: 'CampaignTaskConnection', fields: (c) => ({ totalCount: c.int({ description: 'How many tasks match.', resolve: (connection) => (connection as { totalCount: number }).totalCount }) }) },
    ),
  }),
});

builder.queryFields((t) => ({
  campaigns: t.connection(
    {
      type: CampaignRef,
      description: 'Campaigns the caller may see (public ones, their own; all for admins), newest first.',
      args: {
        status: t.arg({ type: CampaignStatusEnum, description: 'Only campaigns in this state.' }),
        ownerId: t.arg.globalID({ for: AccountRef, description: 'Only campaigns of this account.' }),
        mine: t.arg.boolean({ description: 'Only the caller’s own campaigns.' }),
      },
      complexity: connectionComplexity(100, 20),
      resolve: (_root, args, ctx) =>
        paginate(() =>
          ctx.services.campaigns.list(ctx.viewer, { status: args.status, ownerId: args.ownerId?.id, mine: args.mine }, pageOptions(args, 20, 100)),
        ),
    },
    { fields: (c) => ({ totalCount: c.int({ description: 'How many campaigns match.', resolve: (connection) => (connection as { totalCount: number }).totalCount }) }) },
  ),
  campaign: t.field({
    type: CampaignRef,
    nullable: true,
    description: 'One campaign by id, or null when unknown or not visible to the caller.',
    args: { id: t.arg.globalID({ required: true, for: CampaignRef, description: 'Global id of the campaign.' }) },
    resolve: (_root, { id }, ctx) => ctx.services.campaigns.find(ctx.viewer, id.id),
  }),
  estimateCampaignCost: t.field({
    type: builder.objectRef<CostEstimate>('CostEstimate').implement({
      description: 'A quote: what a brief reserves at submission and the rate behind it.',
      fields: (f) => ({
        taskCount: f.exposeInt('taskCount', { description: 'Tasks priced.' }),
        budget: f.field({ type: BudgetRef, description: 'The budget the quote is for, defaults filled in.', resolve: (e) => e.budget }),
        budgetS: f.exposeInt('budgetS', { description: 'A wall budget’s seconds, or a compute budget’s cap.' }),
        creditsPerTaskSecond: f.exposeInt('creditsPerTaskSecond', { description: 'Wall budgets: credits per second on the budget’s hardware class (GPU above CPU); 0 for compute.' }),
        creditsPerComputeUnit: f.exposeFloat('creditsPerComputeUnit', {
          description: 'Compute budgets: credits per 10^12 FLOPs (unit FLOPS) or per million tokens (unit TOKENS); 0 for wall.',
        }),
        perTask: f.exposeFloat('perTask', { description: 'What one task pays its worker: the work it contains (compute) or its seconds at the class rate (wall).' }),
        computeCredits: f.exposeFloat('computeCredits', { description: 'The tasks themselves: taskCount × perTask.' }),
        verificationTasks: f.exposeInt('verificationTasks', {
          description: 'Replicas the quote expects verification to need: XEENET_VERIFICATION_RESERVE of the tasks plus the top results confirmed at the end (0 with verification off).',
        }),
        verificationCredits: f.exposeFloat('verificationCredits', { description: 'The expected verification overhead in credits: verificationTasks × perTask.' }),
        total: f.exposeFloat('total', { description: 'computeCredits + verificationCredits: reserved at submission; whatever is not spent returns when the campaign closes.' }),
      }),
    }),
    description: 'What a brief would cost before it is submitted: its compute (compute budgets pay for the work a task contains, wall budgets per second at their hardware class’s rate) plus the expected verification overhead, reserved at submission.',
    args: {
      taskCount: t.arg.int({ required: true, description: 'Tasks in the brief.' }),
      budgetS: t.arg.int({ description: 'The old wall-only budget: seconds per task (same as budget: {kind: WALL, seconds}).' }),
      script: t.arg.string({ description: 'The training script (name or SHA-256): its unit and defaults. Without it, only wall budgets can be quoted.' }),
      budget: t.arg({ type: BudgetInputRef, description: 'The per-task budget, as in SubmitBriefInput.' }),
      strategy: t.arg({ type: SearchStrategyEnum, description: 'The brief’s strategy (default RANDOM): ASHA reserves every task at its top rung.' }),
      strategyOptions: t.arg({ type: 'JSON', description: 'The brief’s strategy options (ASHA’s eta and rungs set its top rung).' }),
    },
    // A plain result (not a union), as before budgets had kinds: a bad budget is a GraphQL error
    // with code VALIDATION and the field's message.
    resolve: (_root, args, ctx) =>
      ctx.services.campaigns.estimate(ctx.viewer, {
        taskCount: args.taskCount,
        budgetS: args.budgetS,
        script: args.script,
        budget: args.budget,
        strategy: args.strategy,
        strategyOptions: args.strategyOptions,
      }),
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
  description: 'A researcher’s brief: the question, the experiment and its budget.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Short name (1 to 200 characters).' }),
    hypothesis: t.string({ required: true, description: 'The question the campaign answers, in the researcher’s words.' }),
    script: t.string({
      required: true,
      description:
        'A training script: its id (Script global id or UUID), the SHA-256 of its bytes, or a name (a built-in such as "char-transformer", ' +
        'else your own newest script of that name). A script not approved needs ownMachinesOnly.',
    }),
    dataset: t.string({ required: true, description: 'SHA-256 of a dataset, or the name of a platform one ("tinyshakespeare", "brown").' }),
    searchSpace: t.field({
      type: 'JSON',
      required: true,
      description: 'Parameter name → constant, or {"type": "choice"|"uniform"|"loguniform"|"int", ...}.',
    }),
    strategy: t.field({ type: SearchStrategyEnum, defaultValue: 'random', description: 'How experiments are chosen.' }),
    strategyOptions: t.field({
      type: 'JSON',
      description: 'The strategy’s parameters (see SearchStrategy); unknown keys are refused, defaults are filled in.',
    }),
    confirm: t.field({
      type: ConfirmInput,
      description: 'Confirm before keep: once exploring is done, re-run the top configs with new seeds (within taskCount).',
    }),
    taskCount: t.int({ required: true, description: 'The task budget: every task the campaign may run, confirm replicates included.' }),
    budgetS: t.int({ description: 'The old wall-only budget in seconds per task; a brief with only this is a WALL brief. Prefer budget.' }),
    budget: t.field({ type: BudgetInputRef, description: 'Per-task budget. Default: a compute budget when the script accepts one.' }),
    seed: t.int({ defaultValue: 0, description: 'Seed of the strategy and of every task’s training seed: same brief, seed and result order, same tasks.' }),
    maxAttempts: t.int({ defaultValue: 3, description: 'How often a task may be leased before it fails for good.' }),
    visibility: t.field({ type: VisibilityEnum, defaultValue: 'private', description: 'Who may see the campaign.' }),
    allowSimulated: t.boolean({ defaultValue: false, description: 'Let --simulate workers (demos, tests) take its tasks.' }),
    ownMachinesOnly: t.boolean({
      defaultValue: false,
      description: 'Lease its tasks only to workers of your own account; required for a script that is not approved yet.',
    }),
  }),
});

builder.mutationFields((t) => ({
  submitBrief: t.field({
    type: CampaignRef,
    description: 'Validates a brief, reserves its cost and expands it into tasks, all or nothing.',
    args: { input: t.arg({ type: SubmitBriefInput, required: true, description: 'The brief.' }) },
    errors: { types: [...AUTH_ERRORS, ValidationError, InsufficientCreditsError], dataField: { description: 'The new campaign.' } },
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
        ownMachinesOnly: input.ownMachinesOnly ?? undefined,
      }),
  }),
  cancelCampaign: t.field({
    type: CampaignRef,
    description: 'Cancels queued and running tasks and returns the unspent credits.',
    args: { id: t.arg.id({ required: true, description: 'Global id of the campaign.' }) },
    errors: { types: [...AUTH_ERRORS, NotFoundError, InvalidStateError], dataField: { description: 'The cancelled campaign.' } },
    resolve: (_root, { id }, ctx) => ctx.services.campaigns.cancel(ctx.viewer, decodeId(String(id), 'Campaign')),
  }),
}));

builder.subscriptionField('campaignUpdated', (t) =>
  t.field({
    type: CampaignRef,
    description: 'The campaign whenever its status or task counts change (coalesced to 5 per second at most).',
    args: { id: t.arg.id({ required: true, description: 'Global id of the campaign.' }) },
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
    description:
      'A campaign the caller can see was submitted or changed status (completed, cancelled): lists re-read. Open to anonymous callers, who see public campaigns only.',
    subscribe: (_root, _args, ctx) => {
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
