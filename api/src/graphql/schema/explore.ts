// The Explore page's query: what works across all public campaigns.
import { EXPLORE_MAX_CONFIGS, EXPLORE_MAX_GROUPS, type ExploreConfig, type ExploreGroup } from '../../modules/explore/explore.service.ts';
import type { Interval } from '../../modules/explore/noise-band.ts';
import { builder } from '../builder.ts';
import { ArtifactRef } from './artifact.ts';
import { BudgetKindEnum, ComputeUnitEnum } from './budget.ts';
import { CampaignRef } from './campaign.ts';

/** Campaigns listed per config; `campaignCount` has the full number. */
const CAMPAIGNS_PER_CONFIG = 10;

const clamp = (value: number | null | undefined, fallback: number, max: number) => Math.min(Math.max(value ?? fallback, 1), max);

const NoiseBandRef = builder.objectRef<Interval>('NoiseBand').implement({
  description: 'A confidence interval of a mean val_bpb over seed replicates (Student t).',
  fields: (t) => ({
    level: t.float({ description: 'The confidence level: 0.95.', resolve: (band) => band.confidence }),
    low: t.exposeFloat('low', { description: 'Lower end of the interval.' }),
    high: t.exposeFloat('high', { description: 'Upper end of the interval.' }),
    halfWidth: t.exposeFloat('halfWidth', { description: 'Half the interval’s width: the mean is shown as mean ± halfWidth.' }),
  }),
});

const ExploreConfigRef = builder.objectRef<ExploreConfig>('ExploreConfig').implement({
  description: 'One config of a script on a dataset at one budget, with every real result it got in public campaigns.',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: '1 for the lowest mean val_bpb in its group.' }),
    config: t.field({ type: 'JSON', description: 'The hyperparameters, as the tasks ran them.', resolve: (row) => row.config }),
    runs: t.exposeInt('runs', { description: 'Succeeded real tasks with this config.' }),
    seeds: t.exposeInt('seeds', { description: 'Distinct seeds among those runs: more than one means seed replicates.' }),
    meanValBpb: t.exposeFloat('meanValBpb', { description: 'Mean val_bpb over the runs (the single value for one run).' }),
    stdValBpb: t.exposeFloat('stdValBpb', { nullable: true, description: 'Sample standard deviation over the runs; null for a single run.' }),
    bestValBpb: t.exposeFloat('bestValBpb', { description: 'The lowest val_bpb among the runs.' }),
    interval: t.field({
      type: NoiseBandRef,
      nullable: true,
      description: '95% interval of the mean over the runs; null for a single run (no noise estimate: a single run).',
      resolve: (row) => row.interval,
    }),
    overlapsTop: t.exposeBoolean('overlapsTop', {
      nullable: true,
      description:
        'Whether this interval overlaps the top config’s: true means the data cannot tell them apart. Null when either is a single run.',
    }),
    campaignCount: t.int({ description: 'Public campaigns that ran this config.', resolve: (row) => row.campaignIds.length }),
    campaigns: t.field({
      type: [CampaignRef],
      description: `Public campaigns that ran this config (at most ${CAMPAIGNS_PER_CONFIG}).`,
      resolve: async (row, _args, ctx) => {
        const found = await Promise.all(row.campaignIds.slice(0, CAMPAIGNS_PER_CONFIG).map((id) => ctx.services.campaigns.find(ctx.viewer, id)));
        return found.filter((campaign) => campaign !== null);
      },
    }),
  }),
});

const ExploreGroupRef = builder.objectRef<ExploreGroup>('ExploreGroup').implement({
  description: 'Canonical results (real, verified where verification is on) of one script on one dataset at one per-task budget, across all public campaigns.',
  fields: (t) => ({
    script: t.field({ type: ArtifactRef, description: 'The training script.', resolve: (group, _args, ctx) => ctx.services.artifacts.get(ctx.viewer, group.scriptSha256) }),
    dataset: t.field({ type: ArtifactRef, description: 'The dataset.', resolve: (group, _args, ctx) => ctx.services.artifacts.get(ctx.viewer, group.datasetSha256) }),
    budgetS: t.exposeInt('budgetS', {
      description: 'Wall budgets: seconds per task. Compute budgets: the largest wall-clock cap in the group. Results at other budgets are not comparable, so they form other groups.',
    }),
    budgetKind: t.field({ type: BudgetKindEnum, description: 'Wall seconds or a fixed amount of compute.', resolve: (group) => group.budgetKind }),
    budgetAmount: t.exposeFloat('budgetAmount', { nullable: true, description: 'Compute budgets: training tokens or FLOPs per task; null for wall budgets.' }),
    budgetUnit: t.field({ type: ComputeUnitEnum, nullable: true, description: 'Compute budgets: what the amount counts.', resolve: (group) => group.budgetUnit }),
    resultCount: t.exposeInt('resultCount', { description: 'Succeeded real tasks in the group.' }),
    configCount: t.exposeInt('configCount', { description: 'Distinct configs among them.' }),
    campaignCount: t.exposeInt('campaignCount', { description: 'Public campaigns that contributed.' }),
    noiseFloorStd: t.exposeFloat('noiseFloorStd', {
      nullable: true,
      description: 'The seed noise measured from replicates: pooled within-config standard deviation of val_bpb. Null when no config was run more than once.',
    }),
    bestConfigs: t.field({
      type: [ExploreConfigRef],
      description: 'The configs with the lowest mean val_bpb, best first.',
      resolve: (group) => group.bestConfigs,
    }),
  }),
});

builder.queryField('explore', (t) =>
  t.field({
    type: [ExploreGroupRef],
    description:
      'What works: for each script, dataset and budget, the best configs across all public campaigns with their seed noise. Open to anonymous callers; private campaigns never count.',
    args: {
      script: t.arg.string({ description: 'Only this script (SHA-256 or name).' }),
      dataset: t.arg.string({ description: 'Only this dataset (SHA-256 or name).' }),
      first: t.arg.int({ defaultValue: 20, description: `Groups, most results first (1 to ${EXPLORE_MAX_GROUPS}).` }),
      configsPerGroup: t.arg.int({ defaultValue: 5, description: `Best configs per group (1 to ${EXPLORE_MAX_CONFIGS}).` }),
    },
    resolve: (_root, args, ctx) =>
      ctx.services.explore.bestConfigs(
        { script: args.script, dataset: args.dataset },
        clamp(args.first, 20, EXPLORE_MAX_GROUPS),
        clamp(args.configsPerGroup, 5, EXPLORE_MAX_CONFIGS),
      ),
  }),
);
