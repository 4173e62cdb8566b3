// A campaign as a loop: when results arrive (the post-commit step after a completion or a final
// failure) and on every reaper tick, the loop marks the new results keep / discard / crash, asks
// the campaign's strategy for as many proposals as the fleet can take, starts the confirm phase
// once exploring is done, returns escrow the campaign can no longer spend, and closes a campaign
// whose strategy has nothing more to propose. One step holds the campaign row FOR UPDATE SKIP
// LOCKED: replicas never step one campaign at once, and a step never waits for another.
import type { Env } from '../../env.ts';
import type { SearchStrategy } from '../../db/entities/campaign.entity.ts';
import { type Db, firstRow, rows, sql } from '../../db/sql.ts';
import type { Logger } from '../../logger.ts';
import type { EventBus } from '../events/event-bus.ts';
import { LedgerService } from '../ledger/ledger.service.ts';
import { pricingRates, taskPrice } from '../ledger/pricing.ts';
import { budgetOf, pricedBudget, scaleBudget } from './budget.ts';
import { chooseConfirmations } from '../search/confirm.ts';
import { createStrategy, type Observation, type Proposal as StrategyProposal, type StrategyName } from '../search/index.ts';
import type { Proposal, TaskChanges, TaskLifecycle } from '../tasks/lifecycle.ts';
import { closeCampaign } from './campaign-close.ts';
import { type FinishedTask, type KnownResult, markResults } from './marks.ts';
import { parseSearchSpace } from './search-space.ts';
import { isAdaptive, maxBudgetScale, scaledBudget } from './strategy-options.ts';

/** The campaign row a step works from. */
export interface LoopCampaign {
  id: string;
  owner_id: string;
  strategy: SearchStrategy;
  strategy_options: Record<string, unknown>;
  search_space: Record<string, unknown>;
  task_count: number;
  budget_s: number;
  budget_kind: 'wall' | 'compute';
  budget_unit: 'tokens' | 'flops' | null;
  budget_amount: number | string | null;
  budget_hardware: 'cpu' | 'gpu' | null;
  seed: number;
  confirm_top_k: number;
  confirm_seeds: number;
  allow_simulated: boolean;
}

export interface StepOutcome {
  marked: number;
  proposed: number;
  refunded: number;
  closed: boolean;
}

interface TaskCounts {
  total: number;
  queued: number;
  leased: number;
  explore: number;
  confirm: number;
  live_explore: number;
}

/** Tasks a campaign may still explore: its budget less what confirm-before-keep keeps back. */
export function exploreBudget(campaign: Pick<LoopCampaign, 'task_count' | 'confirm_top_k' | 'confirm_seeds'>): number {
  return campaign.task_count - campaign.confirm_top_k * campaign.confirm_seeds;
}

export class CampaignLoop {
  private readonly em: Db;
  private readonly env: Pick<Env, 'XEENET_CREDITS_PER_TASK_SECOND' | 'XEENET_CREDITS_PER_GPU_SECOND' | 'XEENET_CREDITS_PER_TFLOP' | 'XEENET_CREDITS_PER_MILLION_TOKENS'>;
  private readonly events: EventBus;
  private readonly lifecycle: TaskLifecycle;
  private readonly log: Logger;

  constructor(em: Db, env: CampaignLoop['env'], events: EventBus, lifecycle: TaskLifecycle, log: Logger) {
    this.em = em;
    this.env = env;
    this.events = events;
    this.lifecycle = lifecycle;
    this.log = log;
  }

  /**
   * The post-commit step after a result arrived. A step skipped because another caller held the
   * campaign is safe: that caller looks again after its commit, so no result waits for the reaper.
   * Never throws: the result it follows is already committed.
   */
  async afterResult(campaignId: string): Promise<void> {
    try {
      for (let round = 0; round < 4; round++) {
        const outcome = await this.step(campaignId);
        if (!outcome || !(await this.hasUnmarked(campaignId))) return;
      }
    } catch (error) {
      this.log.error('campaign loop step failed', { campaignId, error: (error as Error).message });
    }
  }

  /** The reaper's periodic top-up: every running campaign the loop has work for. */
  async topUpAll(): Promise<number> {
    const candidates = await rows<{ id: string }>(
      this.em,
      sql`select c.id from campaign c where c.status = 'running'
          and (c.strategy in ('tpe', 'asha', 'local', 'agent') or c.confirm_top_k > 0
               or exists (select 1 from task t where t.campaign_id = c.id and t.replica_of_id is null and t.mark is null and t.status in ('succeeded', 'failed')))
          order by c.created_at, c.id`,
    );
    let stepped = 0;
    for (const { id } of candidates) {
      try {
        if (await this.step(id)) stepped++;
      } catch (error) {
        this.log.error('campaign loop step failed', { campaignId: id, error: (error as Error).message });
      }
    }
    return stepped;
  }

  /** One step; null when the campaign is not running or another caller is stepping it right now. */
  async step(campaignId: string): Promise<StepOutcome | null> {
    const done = await this.em.transactional(async (tx) => {
      const campaign = await firstRow<LoopCampaign>(
        tx,
        sql`select id, owner_id, strategy, strategy_options, search_space, task_count, budget_s, budget_kind, budget_unit, budget_amount, budget_hardware, seed, confirm_top_k,
              confirm_seeds, allow_simulated
            from campaign where id = ${campaignId}::uuid and status = 'running' for update skip locked`,
      );
      if (!campaign) return null;
      const marked = await this.mark(tx, campaignId);
      const outcome: StepOutcome = { marked: marked.length, proposed: 0, refunded: 0, closed: false };
      let created: TaskChanges | null = null;
      const looping = isAdaptive(campaign.strategy) || campaign.strategy === 'agent' || campaign.confirm_top_k > 0;
      if (looping) {
        const counts = await this.counts(tx, campaignId);
        const proposals = [...(await this.explore(tx, campaign, counts)), ...(await this.confirm(tx, campaign, counts))];
        if (proposals.length) {
          created = await this.lifecycle.create(tx, campaignId, proposals.map((proposal, i) => ({ ...proposal, index: counts.total + i })));
          outcome.proposed = created.taskIds.length;
        }
        outcome.refunded = await this.trimEscrow(tx, campaign);
        const waitingForAgent = campaign.strategy === 'agent' && counts.explore < exploreBudget(campaign);
        if (!proposals.length && counts.queued + counts.leased === 0 && !waitingForAgent) {
          // Nothing live, nothing new: the strategy is done (or stuck), so the campaign ends here.
          outcome.closed = (await closeCampaign(tx, campaignId, { budgetSpent: false })) !== null;
        }
      }
      return { outcome, marked, created, ownerId: campaign.owner_id };
    });
    if (!done) return null;
    for (const taskId of done.marked) {
      this.events.taskChanged(campaignId, taskId);
      this.events.resultMarked(campaignId, taskId);
    }
    if (done.created) this.lifecycle.announce(done.created);
    if (done.outcome.closed || done.outcome.refunded) this.events.balanceChanged(done.ownerId);
    if (done.outcome.closed) {
      this.events.campaignChanged(campaignId);
      this.events.campaignListChanged(campaignId);
    }
    return done.outcome;
  }

  private async hasUnmarked(campaignId: string): Promise<boolean> {
    const row = await firstRow<{ found: boolean }>(
      this.em,
      sql`select exists (select 1 from task where campaign_id = ${campaignId}::uuid and replica_of_id is null and mark is null and status in ('succeeded', 'failed')) as found`,
    );
    return Boolean(row?.found);
  }

  /** Marks every finished, unmarked task in arrival order; returns their ids. */
  private async mark(tx: Db, campaignId: string): Promise<string[]> {
    const arrived = await rows<{ id: string; parent_task_id: string | null; val_bpb: number | null; status: string }>(
      tx,
      sql`select id, parent_task_id, val_bpb, status from task
          where campaign_id = ${campaignId}::uuid and replica_of_id is null and mark is null and status in ('succeeded', 'failed')
          order by finished_at, id`,
    );
    if (!arrived.length) return [];
    const best = await firstRow<{ id: string; val_bpb: number }>(
      tx,
      sql`select id, val_bpb from task where campaign_id = ${campaignId}::uuid and replica_of_id is null and mark is not null
            and status = 'succeeded' and val_bpb is not null
          order by val_bpb, finished_at, id limit 1`,
    );
    const parentIds = [...new Set(arrived.flatMap((task) => (task.parent_task_id ? [task.parent_task_id] : [])))];
    const parents = parentIds.length
      ? await rows<{ id: string; val_bpb: number | null; status: string }>(
          tx,
          sql`select id, val_bpb, status from task where campaign_id = ${campaignId}::uuid and id = any(${parentIds}::uuid[])`,
        )
      : [];
    const known = new Map<string, KnownResult>(
      parents.map((parent) => [parent.id, { id: parent.id, value: parent.status === 'succeeded' && parent.val_bpb !== null ? Number(parent.val_bpb) : null }]),
    );
    const finished: FinishedTask[] = arrived.map((task) => ({
      id: task.id,
      parentTaskId: task.parent_task_id,
      value: task.status === 'succeeded' && task.val_bpb !== null ? Number(task.val_bpb) : null,
    }));
    const decisions = markResults(finished, known, best ? { id: best.id, value: Number(best.val_bpb) } : null);
    await rows(
      tx,
      sql`update task t set mark = d.mark, mark_against_task_id = d.against
          from unnest(${decisions.map((d) => d.id)}::uuid[], ${decisions.map((d) => d.mark)}::text[], ${decisions.map((d) => d.againstTaskId)}::uuid[])
            as d(id, mark, against)
          where t.id = d.id and t.mark is null`,
    );
    return decisions.map((decision) => decision.id);
  }

  private async counts(tx: Db, campaignId: string): Promise<TaskCounts> {
    const row = await firstRow<TaskCounts>(
      tx,
      sql`select count(*)::int as total,
            count(*) filter (where status = 'queued')::int as queued,
            count(*) filter (where status = 'leased')::int as leased,
            count(*) filter (where role = 'explore')::int as explore,
            count(*) filter (where role = 'confirm')::int as confirm,
            count(*) filter (where role = 'explore' and status in ('queued', 'leased'))::int as live_explore
          from task where campaign_id = ${campaignId}::uuid and replica_of_id is null`,
    );
    return row!;
  }

  /** Online workers' slots that could take this campaign's tasks: the queue depth to keep. */
  private async onlineSlots(tx: Db, allowSimulated: boolean): Promise<number> {
    const row = await firstRow<{ slots: number }>(
      tx,
      sql`select coalesce(sum(slots), 0)::int as slots from worker
          where last_seen_at > now() - interval '60 seconds' and (not simulated or ${allowSimulated}::boolean)`,
    );
    return row?.slots ?? 0;
  }

  /** The adaptive strategy's next proposals: up to what keeps the online fleet's slots queued. */
  private async explore(tx: Db, campaign: LoopCampaign, counts: TaskCounts): Promise<Proposal[]> {
    if (!isAdaptive(campaign.strategy)) return [];
    const budgetLeft = exploreBudget(campaign) - counts.explore;
    if (budgetLeft <= 0) return [];
    const queueTarget = Math.max(1, await this.onlineSlots(tx, campaign.allow_simulated));
    let room = Math.min(budgetLeft, queueTarget - counts.queued);
    const maxInFlight = campaign.strategy_options.maxInFlight;
    if (typeof maxInFlight === 'number') room = Math.min(room, maxInFlight - counts.queued - counts.leased);
    if (room <= 0) return [];
    const space = parseSearchSpace(campaign.search_space);
    if (!space.ok) throw new Error(`campaign ${campaign.id} has an invalid search space`);
    const history = await this.history(tx, campaign.id);
    const context = { space: space.space, seed: campaign.seed, taskBudget: exploreBudget(campaign), options: campaign.strategy_options };
    const proposed = createStrategy(campaign.strategy as StrategyName).propose(context, history, room).slice(0, room);
    return proposed.map((proposal) => this.toTask(campaign, proposal, 'explore'));
  }

  /** Confirm before keep: once exploring is over, the top configs re-run with new seeds. */
  private async confirm(tx: Db, campaign: LoopCampaign, counts: TaskCounts): Promise<Proposal[]> {
    if (campaign.confirm_top_k <= 0 || counts.confirm > 0 || counts.explore < exploreBudget(campaign) || counts.live_explore > 0) return [];
    // The top configs at the largest budget any task ran with (ASHA's top rung), new seeds each.
    const history = await this.history(tx, campaign.id);
    const proposals = chooseConfirmations(history, campaign.confirm_top_k, campaign.confirm_seeds, campaign.seed);
    return proposals.map((proposal) => this.toTask(campaign, proposal, 'confirm'));
  }

  /** Explore tasks as the strategy sees them: results in arrival order (finished_at, id), then live tasks. */
  private async history(tx: Db, campaignId: string): Promise<Observation[]> {
    const found = await rows<{ id: string; config: Record<string, unknown>; seed: number; budget_scale: number; status: string; val_bpb: number | null }>(
      tx,
      sql`select id, config, seed, budget_scale, status, val_bpb from task
          where campaign_id = ${campaignId}::uuid and replica_of_id is null and role = 'explore' and status <> 'cancelled'
          order by (finished_at is null), finished_at, case when finished_at is null then index end, id`,
    );
    return found.map((task) => ({
      taskId: task.id,
      config: task.config as Observation['config'],
      seed: task.seed,
      budgetScale: Number(task.budget_scale),
      state: task.status === 'succeeded' ? 'completed' : task.status === 'failed' ? 'failed' : 'running',
      value: task.status === 'succeeded' && task.val_bpb !== null ? Number(task.val_bpb) : null,
    }));
  }

  private toTask(campaign: LoopCampaign, proposal: StrategyProposal, role: 'explore' | 'confirm'): Proposal {
    return {
      index: 0, // numbered when created, after every proposal of the step is known
      config: proposal.config,
      seed: proposal.seed,
      budgetScale: proposal.budgetScale,
      budgetS: scaledBudget(campaign.budget_s, proposal.budgetScale),
      description: proposal.description,
      parentTaskId: proposal.parentTaskId,
      derivedFrom: proposal.derivedFrom,
      role,
    };
  }

  /**
   * Keeps escrow at what the remaining work can cost: live tasks' rewards plus every task not yet
   * created at the strategy's largest budget. Only ASHA reserves more than its tasks will cost.
   */
  private async trimEscrow(tx: Db, campaign: LoopCampaign): Promise<number> {
    const scale = maxBudgetScale(campaign.strategy, campaign.strategy_options);
    if (scale <= 1) return 0;
    // Tasks first, balance second: a payout in between then only makes the escrow keep too much.
    // What escrow must keep (verification's invariant): live and failed tasks' rewards, results
    // awaiting a verdict, the verification reserve, and every task not created yet at the top rung.
    const row = await firstRow<{ live_reward: string; pending_reward: string; reserve: string; created: number }>(
      tx,
      sql`select
            (select coalesce(sum(reward), 0) from task where campaign_id = ${campaign.id}::uuid and status in ('queued', 'leased', 'failed'))::bigint as live_reward,
            (select coalesce(sum(t.reward), 0) from run_result r join task t on t.id = r.task_id
              where t.campaign_id = ${campaign.id}::uuid and r.credit_state = 'pending')::bigint as pending_reward,
            (select verification_reserve from campaign where id = ${campaign.id}::uuid)::bigint as reserve,
            (select count(*) from task where campaign_id = ${campaign.id}::uuid and replica_of_id is null)::int as created`,
    );
    const notCreated = Math.max(0, campaign.task_count - (row?.created ?? 0));
    const base = budgetOf({
      budgetKind: campaign.budget_kind,
      budgetS: campaign.budget_s,
      budgetUnit: campaign.budget_unit,
      budgetAmount: campaign.budget_amount,
      budgetHardware: campaign.budget_hardware,
    });
    const topPrice = taskPrice(pricedBudget(scaleBudget(base, scale)), pricingRates(this.env));
    const keep = Number(row?.live_reward ?? 0) + Number(row?.pending_reward ?? 0) + Number(row?.reserve ?? 0) + notCreated * topPrice;
    return new LedgerService(tx).refundExcess(campaign.id, campaign.owner_id, keep);
  }
}
