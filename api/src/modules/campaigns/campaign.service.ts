// Briefs become campaigns: validated, priced, escrowed and expanded into tasks in one transaction;
// campaigns end by cancellation or when no live task is left, and their unspent escrow returns.
import type { Cursor } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { Account } from '../../db/entities/account.entity.ts';
import { Artifact } from '../../db/entities/artifact.entity.ts';
import { Script } from '../../db/entities/script.entity.ts';
import { canReview, type ScriptService } from '../scripts/script.service.ts';
import {
  Campaign,
  type CampaignStatus,
  CAMPAIGN_STATUSES,
  SEARCH_STRATEGIES,
  type SearchStrategy,
  VISIBILITIES,
} from '../../db/entities/campaign.entity.ts';
import { type Db, rows, sql } from '../../db/sql.ts';
import { type FieldError, ForbiddenError, InvalidStateError, NotFoundError, ValidationError } from '../../errors.ts';
import { canResearch, requireViewer, type Viewer } from '../accounts/viewer.ts';
import type { ArtifactService } from '../artifacts/artifact.service.ts';
import type { EventBus } from '../events/event-bus.ts';
import { LedgerService } from '../ledger/ledger.service.ts';
import { pricingRates, taskPrice, verificationTasks, wallRate } from '../ledger/pricing.ts';
import type { CursorPage } from '../pagination.ts';
import type { TaskLifecycle } from '../tasks/lifecycle.ts';
import type { VerificationService } from '../verification/verification.service.ts';
import { textFieldErrors, UUID_PATTERN, zodFieldErrors } from '../validation.ts';
import { closeCampaign, finishedCampaignIds } from './campaign-close.ts';
import { type Budget, type BudgetInput, budgetSeconds, MAX_BUDGET_S, parseBudget, pricedBudget, scaleBudget, type ScriptBudgets } from './budget.ts';
import { type CampaignStats, loadCampaignStats } from './campaign-stats.ts';
import { createStrategy } from '../search/index.ts';
import type { CampaignLoop } from './campaign-loop.ts';
import { gridSize } from './sampler.ts';
import { parseSearchSpace } from './search-space.ts';
import { type ConfirmOption, confirmErrors, maxBudgetScale, parseStrategyOptions } from './strategy-options.ts';
import { canViewCampaign, visibleCampaignsFilter } from './visibility.ts';

export const MAX_TASKS_PER_CAMPAIGN = 50_000;
export { MAX_BUDGET_S };
const INSERT_CHUNK = 5_000;

const briefSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(200, 'must be at most 200 characters'),
  hypothesis: z.string().trim().min(1, 'is required').max(10_000, 'must be at most 10,000 characters'),
  script: z.string().trim().min(1, 'is required'),
  dataset: z.string().trim().min(1, 'is required'),
  searchSpace: z.unknown(),
  strategy: z.enum(SEARCH_STRATEGIES).default('random'),
  taskCount: z
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'at least 1 task')
    .max(MAX_TASKS_PER_CAMPAIGN, `at most ${MAX_TASKS_PER_CAMPAIGN.toLocaleString('en')} tasks per campaign`),
  // The old wall-only field; `budget` (below, checked against the script) says more.
  budgetS: z
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(MAX_BUDGET_S, 'must be at most 24 hours')
    .nullish(),
  budget: z
    .object({
      kind: z.string().nullish(),
      seconds: z.number().nullish(),
      amount: z.number().nullish(),
      maxWallS: z.number().nullish(),
      hardware: z.string().nullish(),
    })
    .nullish(),
  seed: z.number().int('must be an integer').min(0, 'cannot be negative').max(2 ** 31 - 1, 'must fit in 31 bits').default(0),
  maxAttempts: z.number().int().min(1, 'at least 1').max(10, 'at most 10').default(3),
  visibility: z.enum(VISIBILITIES).default('private'),
  allowSimulated: z.boolean().default(false),
  ownMachinesOnly: z.boolean().default(false),
});

export type BriefInput = Omit<z.input<typeof briefSchema>, 'searchSpace'> & {
  searchSpace?: unknown;
  /** Parameters of the strategy (strategy-options.ts); unknown keys are refused. */
  strategyOptions?: unknown;
  /** Confirm before keep: re-run the top `topK` configs with `seeds` new seeds each, within the task budget. */
  confirm?: ConfirmOption | null;
};

export interface CampaignFilter {
  status?: CampaignStatus | null;
  ownerId?: string | null;
  mine?: boolean | null;
}

export interface CostEstimate {
  taskCount: number;
  budget: Budget;
  /** Wall seconds per task, or a compute budget's cap. */
  budgetS: number;
  /** Credits per second of the wall budget's class (0 for compute budgets). */
  creditsPerTaskSecond: number;
  /** Credits per unit of compute (per TFLOP or per million tokens; 0 for wall budgets). */
  creditsPerComputeUnit: number;
  perTask: number;
  /** The tasks themselves: taskCount × perTask. */
  computeCredits: number;
  /** Replicas the quote expects verification to need (none with verification off). */
  verificationTasks: number;
  verificationCredits: number;
  /** computeCredits + verificationCredits: what submission reserves; unused credits return. */
  total: number;
}

/** What estimate() takes: a budget as a brief gives it, and which script (for its unit and defaults). */
export interface EstimateInput {
  taskCount: number;
  script?: string | null;
  budget?: BudgetInput | null;
  budgetS?: number | null;
  /** ASHA's quote is every task at its top rung, as its submission reserves. */
  strategy?: SearchStrategy | null;
  strategyOptions?: unknown;
}

export class CampaignService {
  private readonly em: Db;
  private readonly env: Env;
  private readonly events: EventBus;
  private readonly artifacts: ArtifactService;
  private readonly lifecycle: TaskLifecycle;
  private readonly scripts: ScriptService;
  private readonly verification: VerificationService;
  private readonly statsLoader: DataLoader<string, CampaignStats>;
  private readonly loop: CampaignLoop | null;

  constructor(
    em: Db,
    env: Env,
    events: EventBus,
    artifacts: ArtifactService,
    lifecycle: TaskLifecycle,
    loop: CampaignLoop | null,
    scripts: ScriptService,
    verification: VerificationService,
  ) {
    this.scripts = scripts;
    this.verification = verification;
    this.em = em;
    this.loop = loop;
    this.env = env;
    this.events = events;
    this.artifacts = artifacts;
    this.lifecycle = lifecycle;
    this.statsLoader = new DataLoader((ids) => loadCampaignStats(em, ids));
  }

  /** Task counts and val_bpb figures of a campaign the caller already holds (batched per request). */
  stats(campaign: Campaign): Promise<CampaignStats> {
    return this.statsLoader.load(campaign.id);
  }

  /** The quote: what a brief would reserve, and the rates behind it. */
  async estimate(viewer: Viewer | null, input: EstimateInput): Promise<CostEstimate> {
    const errors: FieldError[] = [];
    if (!Number.isInteger(input.taskCount) || input.taskCount > MAX_TASKS_PER_CAMPAIGN) {
      errors.push({ path: ['taskCount'], message: `must be a whole number up to ${MAX_TASKS_PER_CAMPAIGN}` });
    }
    let accepted: ScriptBudgets = { kinds: ['wall'], computeUnit: null, defaultCompute: null, defaultBudgetS: null };
    if (input.script?.trim()) {
      const script = await this.artifacts.resolve(viewer, 'script', input.script);
      if (!script) errors.push({ path: ['script'], message: 'no registered training script has this SHA-256 or name' });
      else accepted = await this.artifacts.scriptBudgets(script.sha256);
    }
    // A form still being filled in (no seconds yet) is quoted at nothing, as it always was.
    const empty = !input.budget && input.budgetS != null && input.budgetS <= 0;
    const parsed = parseBudget(input.budget, empty ? 1 : input.budgetS, accepted, { maxWallS: this.env.XEENET_COMPUTE_MAX_WALL_S });
    if (empty && parsed.ok && parsed.budget.kind === 'wall') parsed.budget.seconds = 0;
    if (!parsed.ok) errors.push(...parsed.errors);
    if (errors.length || !parsed.ok) throw new ValidationError(errors);
    const strategy = input.strategy ?? 'random';
    const options = parseStrategyOptions(strategy, input.strategyOptions ?? {}, null);
    return this.quote(Math.max(0, input.taskCount), scaleBudget(parsed.budget, maxBudgetScale(strategy, options.ok ? options.options : {})));
  }

  private quote(taskCount: number, budget: Budget): CostEstimate {
    const rates = pricingRates(this.env);
    const perTask = taskPrice(pricedBudget(budget), rates);
    const computeCredits = taskCount * perTask;
    // Verification's expected overhead: a share of the tasks replicated plus the top results confirmed.
    const replicas = this.verification.enabled ? verificationTasks(taskCount, this.env.XEENET_VERIFICATION_RESERVE, this.env.XEENET_VERIFY_TOP) : 0;
    const verificationCredits = replicas * perTask;
    return {
      taskCount,
      budget,
      budgetS: budgetSeconds(budget),
      creditsPerTaskSecond: budget.kind === 'wall' ? wallRate(budget.hardware, rates) : 0,
      creditsPerComputeUnit: budget.kind === 'compute' ? (budget.unit === 'flops' ? rates.creditsPerTflop : rates.creditsPerMillionTokens) : 0,
      perTask,
      computeCredits,
      verificationTasks: replicas,
      verificationCredits,
      total: computeCredits + verificationCredits,
    };
  }

  async submit(viewer: Viewer | null, input: BriefInput): Promise<Campaign> {
    const owner = requireViewer(viewer);
    if (!canResearch(owner)) throw new ForbiddenError('only researchers and admins can submit briefs');

    const parsed = briefSchema.safeParse(input);
    const errors: FieldError[] = parsed.success ? [] : zodFieldErrors(parsed.error).filter((e) => e.path[0] !== 'searchSpace');
    // Text PostgreSQL cannot store is refused before anything (artifact lookups included) touches it.
    const textErrors = textFieldErrors(input);
    if (textErrors.length) throw new ValidationError([...textErrors, ...errors.filter((e) => !textErrors.some((t) => t.path[0] === e.path[0]))]);
    const space = parseSearchSpace(input.searchSpace);
    if (!space.ok) errors.push(...space.errors);
    if (space.ok && (input.strategy ?? 'random') === 'grid') {
      const grid = gridSize(space.space);
      if ('errors' in grid) errors.push(...grid.errors);
    }
    const strategy = parsed.success ? parsed.data.strategy : null;
    const options = strategy ? parseStrategyOptions(strategy, input.strategyOptions, space.ok ? space.space : null) : null;
    if (options && !options.ok) errors.push(...options.errors);
    errors.push(...confirmErrors(input.confirm, input.taskCount ?? 0));
    const [resolved, dataset] = await Promise.all([
      typeof input.script === 'string' && input.script.trim() ? this.scripts.resolveForBrief(owner, input.script) : null,
      typeof input.dataset === 'string' && input.dataset.trim() ? this.artifacts.resolve(owner, 'dataset', input.dataset) : null,
    ]);
    const script = resolved?.artifact ?? null;
    if (input.script?.trim() && !resolved) errors.push({ path: ['script'], message: 'no training script you may use has this id, SHA-256 or name' });
    if (resolved && resolved.script.reviewState !== 'approved' && !(input.ownMachinesOnly ?? false)) {
      errors.push({
        path: ['script'],
        message: `the script "${resolved.script.name}" is ${resolved.script.reviewState.replace('_', ' ')}: until a reviewer approves it, it runs only in an own-machines campaign (ownMachinesOnly: true) on your own workers`,
      });
    }
    // A reviewer checking a script runs it on their own machines too (an own-machines campaign of theirs).
    if (resolved && resolved.script.reviewState !== 'approved' && resolved.script.owner?.id !== owner.accountId && !canReview(owner)) {
      errors.push({ path: ['script'], message: 'only its owner (or a reviewer) may run a script that is not approved' });
    }
    if (input.dataset?.trim() && !dataset) errors.push({ path: ['dataset'], message: 'no dataset has this SHA-256 or name' });
    if (dataset && !dataset.available) {
      errors.push({ path: ['dataset'], message: `the dataset "${dataset.name}" is registered but its content has not arrived yet` });
    }
    const budget = script
      ? parseBudget(input.budget, input.budgetS, await this.artifacts.scriptBudgets(script.sha256), { maxWallS: this.env.XEENET_COMPUTE_MAX_WALL_S })
      : null;
    // zod already reported a malformed budgetS; the budget's own rules speak for the rest.
    if (budget && !budget.ok) errors.push(...budget.errors.filter((e) => !errors.some((x) => x.path.join('.') === e.path.join('.'))));
    if (budget?.ok && options?.ok && parsed.success) {
      const scale = maxBudgetScale(parsed.data.strategy, options.options);
      const top = budget.budget.kind === 'wall' ? budget.budget.seconds * scale : budget.budget.maxWallS;
      if (top > MAX_BUDGET_S) errors.push({ path: [input.budget ? 'budget' : 'budgetS'], message: `the top rung's budget (${Math.round(top)} s) must be at most 24 hours` });
    }
    if (errors.length || !parsed.success || !space.ok || !options?.ok || !script || !resolved || !dataset || !budget?.ok) throw new ValidationError(errors);

    const brief = parsed.data;
    const confirm = input.confirm ?? { topK: 0, seeds: 0 };
    const exploreTasks = brief.taskCount - confirm.topK * confirm.seeds;
    // random and grid draw their whole batch now; adaptive strategies and agents propose as results arrive.
    const batch =
      brief.strategy === 'random' || brief.strategy === 'grid'
        ? createStrategy(brief.strategy).propose({ space: space.space, seed: brief.seed, taskBudget: exploreTasks, options: {} }, [], exploreTasks)
        : [];
    const proposals = batch.map((proposal, index) => ({ index, ...proposal, role: 'explore' as const }));
    // Reserved for the worst case (ASHA: every task at its top rung); the loop returns what cannot be spent.
    const quote = this.quote(brief.taskCount, scaleBudget(budget.budget, maxBudgetScale(brief.strategy, options.options)));
    const cost = quote.total;

    const campaign = await this.em.transactional(async (em) => {
      const created = em.create(Campaign, {
        owner: em.getReference(Account, owner.accountId),
        name: brief.name,
        hypothesis: brief.hypothesis,
        script: em.getReference(Artifact, script.sha256),
        trainingScript: em.getReference(Script, resolved.script.id),
        dataset: em.getReference(Artifact, dataset.sha256),
        searchSpace: input.searchSpace as Record<string, unknown>,
        strategy: brief.strategy,
        strategyOptions: options.options,
        confirmTopK: confirm.topK,
        confirmSeeds: confirm.seeds,
        taskCount: brief.taskCount,
        budgetS: budgetSeconds(budget.budget),
        budgetKind: budget.budget.kind,
        budgetUnit: budget.budget.kind === 'compute' ? budget.budget.unit : null,
        budgetAmount: budget.budget.kind === 'compute' ? budget.budget.amount : null,
        budgetHardware: budget.budget.kind === 'wall' ? budget.budget.hardware : null,
        seed: brief.seed,
        maxAttempts: brief.maxAttempts,
        visibility: brief.visibility,
        allowSimulated: brief.allowSimulated,
        ownMachinesOnly: brief.ownMachinesOnly,
        costCredits: cost,
        verificationReserve: quote.verificationCredits,
      });
      await em.flush();
      await new LedgerService(em).openEscrow(owner.accountId, created.id, cost);
      for (let start = 0; start < proposals.length; start += INSERT_CHUNK) {
        await this.lifecycle.create(em, created.id, proposals.slice(start, start + INSERT_CHUNK));
      }
      return created;
    });
    // A new campaign has no task subscribers yet: the campaign events are enough.
    this.events.campaignChanged(campaign.id);
    this.events.campaignListChanged(campaign.id);
    this.events.balanceChanged(owner.accountId);
    // An adaptive campaign's first proposals: as many as the online fleet can take.
    if (this.loop && brief.strategy !== 'random' && brief.strategy !== 'grid') await this.loop.step(campaign.id);
    return campaign;
  }

  async cancel(viewer: Viewer | null, campaignId: string): Promise<Campaign> {
    const caller = requireViewer(viewer);
    const campaign = await this.get(caller, campaignId);
    if (campaign.owner.id !== caller.accountId && caller.role !== 'admin') {
      throw new ForbiddenError('only the campaign owner or an admin can cancel it');
    }
    if (campaign.status !== 'running') throw new InvalidStateError(`the campaign is already ${campaign.status}`);
    const cancelled = await this.em.transactional(async (em) => {
      const updated = await rows(
        em,
        sql`update campaign set status = 'cancelled', finished_at = now() where id = ${campaign.id}::uuid and status = 'running' returning id`,
      );
      if (!updated.length) throw new InvalidStateError('the campaign finished while it was being cancelled');
      const changes = await this.lifecycle.cancel(em, campaign.id);
      // Results still awaiting a verdict can no longer get one: inconclusive, unpaid.
      await this.verification.beforeClose(em, campaign.id, true);
      await new LedgerService(em).refundRemainder(campaign.id, campaign.owner.id);
      return changes;
    });
    // Workers holding a lease learn of it on their next heartbeat; the dashboard from these events.
    this.lifecycle.announce(cancelled);
    this.events.campaignListChanged(campaign.id);
    this.events.balanceChanged(campaign.owner.id);
    await this.em.refresh(campaign);
    return campaign;
  }

  /** Closes and refunds every running campaign whose whole task budget ran; returns how many. */
  async closeFinished(): Promise<number> {
    let closed = 0;
    for (const id of await finishedCampaignIds(this.em)) {
      const ownerId = await this.em.transactional(async (tx) => {
        // Its best results are confirmed by independent workers first (the campaign stays open for them).
        if (!(await this.verification.beforeClose(tx, id, false))) return null;
        return closeCampaign(tx, id, { budgetSpent: true });
      });
      if (!ownerId) continue;
      closed++;
      this.events.campaignChanged(id);
      this.events.campaignListChanged(id);
      this.events.balanceChanged(ownerId);
    }
    return closed;
  }

  /** A campaign the caller may see, or a NotFoundError (also for those it may not see). */
  async get(viewer: Viewer | null, campaignId: string): Promise<Campaign> {
    const campaign = await this.find(viewer, campaignId);
    if (!campaign) throw new NotFoundError('campaign', `campaign ${campaignId} not found`);
    return campaign;
  }

  async find(viewer: Viewer | null, campaignId: string): Promise<Campaign | null> {
    if (!UUID_PATTERN.test(campaignId)) return null;
    const campaign = await this.em.findOne(Campaign, { id: campaignId });
    return campaign && canViewCampaign(viewer, campaign) ? campaign : null;
  }

  /** Campaigns the caller may see, newest first. */
  async list(viewer: Viewer | null, filter: CampaignFilter, page: CursorPage): Promise<Cursor<Campaign>> {
    const where: Record<string, unknown> = {};
    if (filter.status) {
      if (!CAMPAIGN_STATUSES.includes(filter.status)) throw new ValidationError([{ path: ['status'], message: 'unknown status' }]);
      where.status = filter.status;
    }
    if (filter.mine) where.owner = requireViewer(viewer).accountId;
    else if (filter.ownerId) where.owner = filter.ownerId;
    const visible = visibleCampaignsFilter(viewer);
    return this.em.findByCursor(Campaign, { ...page, where: visible ? { $and: [where, visible] } : where, orderBy: { createdAt: 'desc', id: 'desc' } });
  }
}
