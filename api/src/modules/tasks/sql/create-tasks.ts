// queued ← create: tasks from proposals (a config, a seed, optionally their own budget), for a
// running campaign. Attempts, priority and queue position come from the campaign row, so a
// strategy adding work while the campaign runs needs nothing but the proposals.
import type { Query } from '../../../db/sql.ts';

export interface Proposal {
  /** Position in the campaign, unique per campaign. */
  index: number;
  config: Record<string, unknown>;
  seed: number;
  /** Defaults to the campaign's per-task budget (wall seconds, or a compute budget's cap). */
  budgetS?: number | null;
  /** Multiplier of the campaign's budget that budgetS includes (ASHA rungs); 1 by default. */
  budgetScale?: number;
  /** One line: what changed and why. */
  description?: string | null;
  /** The task of the same campaign this one was derived from. */
  parentTaskId?: string | null;
  /** Machine-readable provenance (strategy and inputs). */
  derivedFrom?: Record<string, unknown> | null;
  role?: 'explore' | 'confirm';
  /** Compute campaigns: this task's amount of work in the campaign's unit; defaults to the campaign's. */
  budgetAmount?: number | null;
}

/** Proposals with their budget and reward settled (the lifecycle prices them). */
export interface PricedProposal extends Proposal {
  budgetS: number;
  budgetAmount: number | null;
  reward: number;
}

/**
 * Tasks keep the campaign's created_at, so work a campaign adds later keeps the campaign's place
 * in the queue. Nothing is inserted unless the campaign is running.
 */
export function createTasks(campaignId: string, proposals: readonly PricedProposal[]): Query<{ id: string }> {
  return {
    name: 'xeenet_create_tasks',
    text: `insert into task (id, campaign_id, index, config, seed, budget_s, budget_kind, budget_unit, budget_amount, device_class,
          status, priority, attempts, max_attempts, reward, simulated, created_at, updated_at,
          budget_scale, description, parent_task_id, derived_from, role)
        select gen_random_uuid(), c.id, p.index, p.config, p.seed, p.budget_s, c.budget_kind, c.budget_unit, p.budget_amount,
          c.budget_hardware, 'queued', c.priority, 0, c.max_attempts, p.reward, false, c.created_at, c.created_at,
          p.budget_scale, p.description, p.parent_task_id, p.derived_from, p.role
        from campaign c
        cross join unnest($2::int[], $3::jsonb[], $4::int[], $5::int[], $6::bigint[], $7::float8[], $8::float8[], $9::text[],
          $10::uuid[], $11::jsonb[], $12::text[])
          as p(index, config, seed, budget_s, reward, budget_amount, budget_scale, description, parent_task_id, derived_from, role)
        where c.id = $1::uuid and c.status = 'running'
        returning id`,
    values: [
      campaignId,
      proposals.map((p) => p.index),
      proposals.map((p) => JSON.stringify(p.config)),
      proposals.map((p) => p.seed),
      proposals.map((p) => p.budgetS),
      proposals.map((p) => p.reward),
      proposals.map((p) => p.budgetAmount),
      proposals.map((p) => p.budgetScale ?? 1),
      proposals.map((p) => p.description ?? null),
      proposals.map((p) => p.parentTaskId ?? null),
      proposals.map((p) => (p.derivedFrom ? JSON.stringify(p.derivedFrom) : null)),
      proposals.map((p) => p.role ?? 'explore'),
    ],
  };
}

export interface CampaignBudgetRow {
  budget_s: number;
  budget_kind: 'wall' | 'compute';
  budget_unit: 'tokens' | 'flops' | null;
  budget_amount: number | null;
  budget_hardware: 'cpu' | 'gpu' | null;
}

/** The campaign's per-task budget, the default for proposals that bring none. */
export function campaignBudget(campaignId: string): Query<CampaignBudgetRow> {
  return {
    name: 'xeenet_campaign_budget',
    text: `select budget_s, budget_kind, budget_unit, budget_amount, budget_hardware from campaign where id = $1::uuid`,
    values: [campaignId],
  };
}
