// Briefs become campaigns: validated, priced, escrowed and expanded into tasks in one transaction;
// campaigns end by cancellation or when no live task is left, and their unspent escrow returns.
import type { Cursor } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { Account } from '../../db/entities/account.entity.ts';
import { Artifact } from '../../db/entities/artifact.entity.ts';
import {
  Campaign,
  type CampaignStatus,
  CAMPAIGN_STATUSES,
  SEARCH_STRATEGIES,
  VISIBILITIES,
} from '../../db/entities/campaign.entity.ts';
import { type Db, firstRow, rows, sql } from '../../db/sql.ts';
import { type FieldError, ForbiddenError, InvalidStateError, NotFoundError, ValidationError } from '../../errors.ts';
import { canResearch, requireViewer, type Viewer } from '../accounts/viewer.ts';
import type { ArtifactService } from '../artifacts/artifact.service.ts';
import type { EventBus } from '../events/event-bus.ts';
import { LedgerService } from '../ledger/ledger.service.ts';
import { campaignCost, taskReward, verificationTasks } from '../ledger/pricing.ts';
import type { CursorPage } from '../pagination.ts';
import type { TaskLifecycle } from '../tasks/lifecycle.ts';
import type { VerificationService } from '../verification/verification.service.ts';
import { textFieldErrors, UUID_PATTERN, zodFieldErrors } from '../validation.ts';
import { type CampaignStats, loadCampaignStats } from './campaign-stats.ts';
import { gridSize, sampleTasks } from './sampler.ts';
import { parseSearchSpace } from './search-space.ts';
import { canViewCampaign, visibleCampaignsFilter } from './visibility.ts';

export const MAX_TASKS_PER_CAMPAIGN = 50_000;
export const MAX_BUDGET_S = 24 * 60 * 60;
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
  budgetS: z
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(1, 'must be at least 1 second')
    .max(MAX_BUDGET_S, 'must be at most 24 hours'),
  seed: z.number().int('must be an integer').min(0, 'cannot be negative').max(2 ** 31 - 1, 'must fit in 31 bits').default(0),
  maxAttempts: z.number().int().min(1, 'at least 1').max(10, 'at most 10').default(3),
  visibility: z.enum(VISIBILITIES).default('private'),
  allowSimulated: z.boolean().default(false),
});

export type BriefInput = Omit<z.input<typeof briefSchema>, 'searchSpace'> & { searchSpace?: unknown };

export interface CampaignFilter {
  status?: CampaignStatus | null;
  ownerId?: string | null;
  mine?: boolean | null;
}

export interface CostEstimate {
  taskCount: number;
  budgetS: number;
  creditsPerTaskSecond: number;
  /** The tasks themselves: taskCount × budgetS × rate. */
  computeCredits: number;
  /** Replicas the quote expects verification to need (none with verification off). */
  verificationTasks: number;
  verificationCredits: number;
  /** computeCredits + verificationCredits: what submission reserves; unused credits return. */
  total: number;
}

export class CampaignService {
  private readonly em: Db;
  private readonly env: Env;
  private readonly events: EventBus;
  private readonly artifacts: ArtifactService;
  private readonly lifecycle: TaskLifecycle;
  private readonly verification: VerificationService;
  private readonly statsLoader: DataLoader<string, CampaignStats>;

  constructor(em: Db, env: Env, events: EventBus, artifacts: ArtifactService, lifecycle: TaskLifecycle, verification: VerificationService) {
    this.verification = verification;
    this.em = em;
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

  estimate(taskCount: number, budgetS: number): CostEstimate {
    const rate = this.env.XEENET_CREDITS_PER_TASK_SECOND;
    const computeCredits = campaignCost(taskCount, budgetS, rate);
    const replicas = this.verification.enabled ? verificationTasks(taskCount, this.env.XEENET_VERIFICATION_RESERVE, this.env.XEENET_VERIFY_TOP) : 0;
    const verificationCredits = replicas * taskReward(budgetS, rate);
    return { taskCount, budgetS, creditsPerTaskSecond: rate, computeCredits, verificationTasks: replicas, verificationCredits, total: computeCredits + verificationCredits };
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
    const [script, dataset] = await Promise.all([
      typeof input.script === 'string' && input.script.trim() ? this.artifacts.resolve(owner, 'script', input.script) : null,
      typeof input.dataset === 'string' && input.dataset.trim() ? this.artifacts.resolve(owner, 'dataset', input.dataset) : null,
    ]);
    if (input.script?.trim() && !script) errors.push({ path: ['script'], message: 'no registered training script has this SHA-256 or name' });
    if (input.dataset?.trim() && !dataset) errors.push({ path: ['dataset'], message: 'no dataset has this SHA-256 or name' });
    if (dataset && !dataset.available) {
      errors.push({ path: ['dataset'], message: `the dataset "${dataset.name}" is registered but its content has not arrived yet` });
    }
    if (errors.length || !parsed.success || !space.ok || !script || !dataset) throw new ValidationError(errors);

    const brief = parsed.data;
    const proposals = sampleTasks(space.space, brief.strategy, brief.taskCount, brief.seed);
    const quote = this.estimate(brief.taskCount, brief.budgetS);
    const cost = quote.total;

    const campaign = await this.em.transactional(async (em) => {
      const created = em.create(Campaign, {
        owner: em.getReference(Account, owner.accountId),
        name: brief.name,
        hypothesis: brief.hypothesis,
        script: em.getReference(Artifact, script.sha256),
        dataset: em.getReference(Artifact, dataset.sha256),
        searchSpace: input.searchSpace as Record<string, unknown>,
        strategy: brief.strategy,
        taskCount: brief.taskCount,
        budgetS: brief.budgetS,
        seed: brief.seed,
        maxAttempts: brief.maxAttempts,
        visibility: brief.visibility,
        allowSimulated: brief.allowSimulated,
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

  /** Closes and refunds every running campaign with no live task left; returns how many. */
  async closeFinished(): Promise<number> {
    const candidates = await rows<{ id: string }>(
      this.em,
      sql`select c.id from campaign c
          where c.status = 'running'
            and not exists (select 1 from task t where t.campaign_id = c.id and t.status in ('queued', 'leased'))`,
    );
    let closed = 0;
    for (const { id } of candidates) {
      // Closing and refunding commit together, so no escrow is ever left behind.
      const ownerId = await this.em.transactional(async (tx) => {
        // Its best results are confirmed by independent workers first (the campaign stays open for them).
        if (!(await this.verification.beforeClose(tx, id, false))) return null;
        const row = await firstRow<{ owner_id: string }>(
          tx,
          sql`update campaign c set status = 'completed', finished_at = now()
              where c.id = ${id}::uuid and c.status = 'running'
                and not exists (select 1 from task t where t.campaign_id = c.id and t.status in ('queued', 'leased'))
              returning c.owner_id`,
        );
        if (row) await new LedgerService(tx).refundRemainder(id, row.owner_id);
        return row?.owner_id ?? null;
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
