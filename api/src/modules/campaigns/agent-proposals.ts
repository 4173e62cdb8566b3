// strategy: agent. An outside program (an LLM agent, a script, a person) proposes a campaign's
// experiments over GraphQL: only the campaign's owner, only configs inside its search space, never
// more than its task budget (less what confirm-before-keep keeps back) or its in-flight limit.
import { Prng } from './prng.ts';
import type { Task } from '../../db/entities/task.entity.ts';
import { Task as TaskEntity } from '../../db/entities/task.entity.ts';
import { type Db, firstRow, sql } from '../../db/sql.ts';
import { type FieldError, ForbiddenError, InvalidStateError, NotFoundError, TaskBudgetExceededError, ValidationError } from '../../errors.ts';
import { requireViewer, type Viewer } from '../accounts/viewer.ts';
import type { Proposal, TaskLifecycle } from '../tasks/lifecycle.ts';
import { textFieldErrors, UUID_PATTERN } from '../validation.ts';
import type { CampaignLoop } from './campaign-loop.ts';
import type { CampaignService } from './campaign.service.ts';
import { checkConfig } from './config-check.ts';
import { parseSearchSpace } from './search-space.ts';

export const MAX_EXPERIMENTS_PER_CALL = 100;
export const MAX_DESCRIPTION_LENGTH = 500;

export interface ExperimentInput {
  config: unknown;
  description: string;
  /** Database id of a task of the same campaign (the resolver decodes the global id). */
  parentTaskId?: string | null;
  seed?: number | null;
}

export class AgentProposals {
  private readonly em: Db;
  private readonly campaigns: CampaignService;
  private readonly lifecycle: TaskLifecycle;
  private readonly loop: CampaignLoop;

  constructor(em: Db, campaigns: CampaignService, lifecycle: TaskLifecycle, loop: CampaignLoop) {
    this.em = em;
    this.campaigns = campaigns;
    this.lifecycle = lifecycle;
    this.loop = loop;
  }

  async propose(viewer: Viewer | null, campaignId: string, experiments: readonly ExperimentInput[]): Promise<Task[]> {
    const caller = requireViewer(viewer);
    const campaign = await this.campaigns.get(caller, campaignId);
    if (campaign.owner.id !== caller.accountId) throw new ForbiddenError('only the campaign owner can propose its experiments');
    if (campaign.strategy !== 'agent') throw new InvalidStateError(`the campaign runs strategy ${campaign.strategy.toUpperCase()}; only AGENT campaigns take proposals`);
    if (campaign.status !== 'running') throw new InvalidStateError(`the campaign is ${campaign.status}`);

    const space = parseSearchSpace(campaign.searchSpace);
    if (!space.ok) throw new Error(`campaign ${campaign.id} has an invalid search space`);
    const errors: FieldError[] = [...textFieldErrors(experiments, ['experiments'])];
    if (!experiments.length) errors.push({ path: ['experiments'], message: 'propose at least one experiment' });
    if (experiments.length > MAX_EXPERIMENTS_PER_CALL) errors.push({ path: ['experiments'], message: `at most ${MAX_EXPERIMENTS_PER_CALL} per call` });
    if (errors.length) throw new ValidationError(errors);

    const checked = experiments.map((experiment, i) => {
      const path = ['experiments', String(i)];
      const config = checkConfig(space.space, experiment.config, [...path, 'config']);
      if (!config.ok) errors.push(...config.errors);
      const description = experiment.description.trim();
      if (!description) errors.push({ path: [...path, 'description'], message: 'is required: one line saying what changed and why' });
      else if (description.length > MAX_DESCRIPTION_LENGTH) errors.push({ path: [...path, 'description'], message: `must be at most ${MAX_DESCRIPTION_LENGTH} characters` });
      else if (/[\r\n]/.test(description)) errors.push({ path: [...path, 'description'], message: 'must be one line' });
      const seed = experiment.seed;
      if (seed != null && (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)) errors.push({ path: [...path, 'seed'], message: 'must be an integer from 0 to 2^31 − 1' });
      const parent = experiment.parentTaskId ?? null;
      if (parent !== null && !UUID_PATTERN.test(parent)) errors.push({ path: [...path, 'parentTaskId'], message: 'is not a task of this campaign' });
      return { config: config.ok ? config.config : {}, description, seed: seed ?? null, parent };
    });
    const parentIds = [...new Set(checked.flatMap((experiment) => (experiment.parent && UUID_PATTERN.test(experiment.parent) ? [experiment.parent] : [])))];
    if (parentIds.length) {
      const found = await this.em.find(TaskEntity, { id: { $in: parentIds }, campaign: campaign.id }, { fields: ['id'] });
      const known = new Set(found.map((task) => task.id));
      checked.forEach((experiment, i) => {
        if (experiment.parent && UUID_PATTERN.test(experiment.parent) && !known.has(experiment.parent)) {
          errors.push({ path: ['experiments', String(i), 'parentTaskId'], message: 'is not a task of this campaign' });
        }
      });
    }
    if (errors.length) throw new ValidationError(errors);

    const created = await this.em.transactional(async (tx) => {
      // Serializes proposals (and loop steps) of this campaign, so the budget check cannot race.
      const row = await firstRow<{ task_count: number; confirm: number; status: string; seed: number; max_in_flight: number | null }>(
        tx,
        sql`select task_count, confirm_top_k * confirm_seeds as confirm, status, seed,
              (strategy_options->>'maxInFlight')::int as max_in_flight
            from campaign where id = ${campaign.id}::uuid for update`,
      );
      if (!row || row.status !== 'running') throw new InvalidStateError('the campaign finished while the proposals were checked');
      const counts = await firstRow<{ total: number; explore: number; live: number }>(
        tx,
        sql`select count(*)::int as total, count(*) filter (where role = 'explore')::int as explore,
              count(*) filter (where status in ('queued', 'leased'))::int as live
            from task where campaign_id = ${campaign.id}::uuid and replica_of_id is null`,
      );
      const remaining = row.task_count - row.confirm - counts!.explore;
      if (checked.length > remaining) throw new TaskBudgetExceededError(checked.length, Math.max(0, remaining));
      if (row.max_in_flight !== null && counts!.live + checked.length > row.max_in_flight) {
        const room = Math.max(0, row.max_in_flight - counts!.live);
        throw new TaskBudgetExceededError(checked.length, room, `the campaign allows ${row.max_in_flight} experiments in flight; ${room} more can be proposed now`);
      }
      const proposals: Proposal[] = checked.map((experiment, i) => {
        const index = counts!.total + i;
        return {
          index,
          config: experiment.config,
          // Without a seed of its own, an experiment's seed follows from the campaign's and its index.
          seed: experiment.seed ?? new Prng((row.seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0).nextUint32() >>> 1,
          budgetScale: 1,
          description: experiment.description,
          parentTaskId: experiment.parent,
          derivedFrom: { strategy: 'agent', proposedBy: caller.accountId },
          role: 'explore',
        };
      });
      return this.lifecycle.create(tx, campaign.id, proposals);
    });
    this.lifecycle.announce(created);
    // Results that arrived while this call held the campaign are marked now, not at the next tick.
    await this.loop.afterResult(campaign.id);
    const tasks = await this.em.find(TaskEntity, { id: { $in: created.taskIds } }, { orderBy: { index: 'asc' } });
    if (tasks.length !== created.taskIds.length) throw new NotFoundError('task', 'the proposed tasks could not be read back');
    return tasks;
  }
}
