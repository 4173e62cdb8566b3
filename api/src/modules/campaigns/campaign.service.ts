// Briefs become campaigns: validated, priced, escrowed and expanded into tasks in one transaction.
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
import { type Db, rows, sql } from '../../db/sql.ts';
import { type FieldError, ForbiddenError, InvalidStateError, NotFoundError, ValidationError } from '../../errors.ts';
import { canResearch, requireViewer, type Viewer } from '../accounts/viewer.ts';
import type { ArtifactService } from '../artifacts/artifact.service.ts';
import { CreditService } from '../credits/credit.service.ts';
import { campaignCost, taskReward } from '../credits/pricing.ts';
import type { EventBus } from '../events/event-bus.ts';
import { zodFieldErrors } from '../validation.ts';
import { gridSize, sampleTasks } from './sampler.ts';
import { parseSearchSpace } from './search-space.ts';

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
  total: number;
}

export class CampaignService {
  private readonly em: Db;
  private readonly env: Env;
  private readonly events: EventBus;
  private readonly artifacts: ArtifactService;

  constructor(em: Db, env: Env, events: EventBus, artifacts: ArtifactService) {
    this.em = em;
    this.env = env;
    this.events = events;
    this.artifacts = artifacts;
  }

  estimate(taskCount: number, budgetS: number): CostEstimate {
    const rate = this.env.XEENET_CREDITS_PER_TASK_SECOND;
    return { taskCount, budgetS, creditsPerTaskSecond: rate, total: campaignCost(taskCount, budgetS, rate) };
  }

  async submit(viewer: Viewer | null, input: BriefInput): Promise<Campaign> {
    const owner = requireViewer(viewer);
    if (!canResearch(owner)) throw new ForbiddenError('only researchers and admins can submit briefs');

    const errors: FieldError[] = [];
    const parsed = briefSchema.safeParse(input);
    if (!parsed.success) errors.push(...zodFieldErrors(parsed.error).filter((e) => e.path[0] !== 'searchSpace'));
    const space = parseSearchSpace(input.searchSpace);
    if (!space.ok) errors.push(...space.errors);
    if (space.ok && (input.strategy ?? 'random') === 'grid') {
      const grid = gridSize(space.space);
      if ('errors' in grid) errors.push(...grid.errors);
    }
    const [script, dataset] = await Promise.all([
      typeof input.script === 'string' && input.script.trim() ? this.artifacts.resolve('script', input.script) : null,
      typeof input.dataset === 'string' && input.dataset.trim() ? this.artifacts.resolve('dataset', input.dataset) : null,
    ]);
    if (input.script?.trim() && !script) errors.push({ path: ['script'], message: 'no registered training script has this SHA-256 or name' });
    if (input.dataset?.trim() && !dataset) errors.push({ path: ['dataset'], message: 'no dataset has this SHA-256 or name' });
    if (dataset && !dataset.available) {
      errors.push({ path: ['dataset'], message: `the dataset "${dataset.name}" is registered but its content has not arrived yet` });
    }
    if (errors.length || !parsed.success || !space.ok || !script || !dataset) throw new ValidationError(errors);

    const brief = parsed.data;
    const tasks = sampleTasks(space.space, brief.strategy, brief.taskCount, brief.seed);
    const rate = this.env.XEENET_CREDITS_PER_TASK_SECOND;
    const reward = taskReward(brief.budgetS, rate);
    const cost = campaignCost(brief.taskCount, brief.budgetS, rate);

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
      });
      await em.flush();
      await new CreditService(em).openEscrow(owner.accountId, created.id, cost);
      for (let start = 0; start < tasks.length; start += INSERT_CHUNK) {
        const chunk = tasks.slice(start, start + INSERT_CHUNK);
        await rows(
          em,
          sql`insert into task (id, campaign_id, index, config, seed, budget_s, status, priority, attempts, max_attempts, reward,
                simulated, created_at, updated_at)
              select gen_random_uuid(), ${created.id}::uuid, t.index, t.config, t.seed, ${brief.budgetS}, 'queued', 0, 0,
                ${brief.maxAttempts}, ${reward}, false, ${created.createdAt}, ${created.createdAt}
              from unnest(${chunk.map((task) => task.index)}::int[], ${chunk.map((task) => JSON.stringify(task.config))}::jsonb[],
                          ${chunk.map((task) => task.seed)}::int[]) as t(index, config, seed)`,
        );
      }
      return created;
    });
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
    const cancelledLeases = await this.em.transactional(async (em) => {
      const updated = await rows(
        em,
        sql`update campaign set status = 'cancelled', finished_at = now() where id = ${campaign.id}::uuid and status = 'running' returning id`,
      );
      if (!updated.length) throw new InvalidStateError('the campaign finished while it was being cancelled');
      const tasks = await rows<{ id: string; was_leased: boolean }>(
        em,
        sql`update task t set status = 'cancelled', finished_at = now(), lease_expires_at = null, progress = null, updated_at = now()
            from (select id, status = 'leased' as was_leased from task
                  where campaign_id = ${campaign.id}::uuid and status in ('queued', 'leased') for update) old
            where t.id = old.id
            returning t.id, old.was_leased`,
      );
      await new CreditService(em).refundRemainder(campaign.id, campaign.owner.id);
      return tasks.filter((task) => task.was_leased).map((task) => task.id);
    });
    // Workers holding a lease learn of it on their next heartbeat; the dashboard from these events.
    for (const taskId of cancelledLeases) this.events.taskChanged(campaign.id, taskId);
    this.events.campaignChanged(campaign.id);
    this.events.campaignListChanged(campaign.id);
    this.events.balanceChanged(campaign.owner.id);
    await this.em.refresh(campaign);
    return campaign;
  }

  /** A campaign the caller may see: public ones, their own, or any for an admin. */
  async get(viewer: Viewer | null, campaignId: string): Promise<Campaign> {
    const campaign = await this.em.findOne(Campaign, { id: campaignId });
    if (!campaign || !canView(viewer, campaign)) throw new NotFoundError('campaign', `campaign ${campaignId} not found`);
    return campaign;
  }

  async find(viewer: Viewer | null, campaignId: string): Promise<Campaign | null> {
    const campaign = await this.em.findOne(Campaign, { id: campaignId });
    return campaign && canView(viewer, campaign) ? campaign : null;
  }

  /** The visibility rule as a query filter, for lists. */
  visibleWhere(viewer: Viewer | null, filter: CampaignFilter): Record<string, unknown> {
    const where: Record<string, unknown> = {};
    if (filter.status) {
      if (!CAMPAIGN_STATUSES.includes(filter.status)) throw new ValidationError([{ path: ['status'], message: 'unknown status' }]);
      where.status = filter.status;
    }
    if (filter.mine) where.owner = requireViewer(viewer).accountId;
    else if (filter.ownerId) where.owner = filter.ownerId;
    if (viewer?.role !== 'admin') {
      where.$or = viewer ? [{ visibility: 'public' }, { owner: viewer.accountId }] : [{ visibility: 'public' }];
    }
    return where;
  }
}

export function canView(viewer: Viewer | null, campaign: Campaign): boolean {
  return campaign.visibility === 'public' || viewer?.role === 'admin' || campaign.owner.id === viewer?.accountId;
}
