// queued → leased: the queue head, skipping rows other leasers hold, in one statement. A task
// goes only to a worker that can run it: a wall task to its hardware class (cpu or gpu), a
// compute task to a worker whose measured speed finishes it within the task's wall-clock cap
// (an uncalibrated worker gets every compute task, with the whole cap). A calibrated worker's
// lease carries a cap fitted to its speed (lease_cap_s), which the worker hands the script as
// budget_s.
import type { Query } from '../../../db/sql.ts';

export interface LeasedRow {
  id: string;
  campaign_id: string;
  index: number;
  config: Record<string, unknown>;
  seed: number;
  budget_s: number;
  budget_kind: 'wall' | 'compute';
  budget_unit: 'tokens' | 'flops' | null;
  budget_amount: number | null;
  lease_cap_s: number;
  attempts: number;
  max_attempts: number;
  lease_token: string;
  lease_expires_at: string | Date;
  script_sha256: string;
  dataset_sha256: string;
}

/**
 * The caller's class and speeds, from its worker row (reported by calibration), as uncorrelated
 * scalar subqueries: PostgreSQL runs each once (an InitPlan) and the queue scan stays an index
 * scan in dispatch order. A join here made the planner sort every queued row (20x slower).
 */
const me = (workerParam: string) => ({
  tokens: `(select w.tokens_per_s from worker w where w.id = ${workerParam}::uuid)`,
  flops: `(select w.flops_per_s from worker w where w.id = ${workerParam}::uuid)`,
  deviceClass: `(select case when w.hardware->>'device' in ('cuda', 'mps') then 'gpu' else 'cpu' end from worker w where w.id = ${workerParam}::uuid)`,
});

/** Seconds the task's work takes at the worker's speed, or null (wall task, or no speed known). */
const expectedS = (workerParam: string) =>
  `(t.budget_amount / nullif(case t.budget_unit when 'tokens' then ${me(workerParam).tokens} when 'flops' then ${me(workerParam).flops} end, 0))`;

const canTake = (workerParam: string) => `(not $1::boolean or exists (select 1 from campaign c where c.id = t.campaign_id and c.allow_simulated))
        and (t.device_class is null or t.device_class = ${me(workerParam).deviceClass})`;
const fits = (workerParam: string, overheadParam: string) =>
  `(t.budget_kind <> 'compute' or ${expectedS(workerParam)} is null or ${expectedS(workerParam)} + ${overheadParam}::float8 <= t.budget_s)`;

const TEXT = `with picked as (
      select t.id, ${expectedS('$4')} as expected_s from task t
      -- One CASE, not ANDs and ORs: its selectivity is not multiplied down, so the planner keeps the
      -- ordered index scan of the queue even on a freshly filled, not yet analyzed table.
      where t.status = 'queued' and (case when ${canTake('$4')} and ${fits('$4', '$6')} then true else false end)
      order by t.priority desc, t.created_at, t.index
      limit $2
      for update of t skip locked
    ), leased as (
      update task t set status = 'leased', lease_token = gen_random_uuid(),
        lease_expires_at = now() + make_interval(secs => $3), worker_id = $4::uuid,
        attempts = t.attempts + 1, leased_at = now(), heartbeat_at = now(), progress = null, updated_at = now(),
        lease_cap_s = case when picked.expected_s is null then t.budget_s
          else least(t.budget_s, ceil(picked.expected_s * $5::float8 + $6::float8))::int end
      from picked where t.id = picked.id
      returning t.id, t.campaign_id, t.index, t.config, t.seed, t.budget_s, t.budget_kind, t.budget_unit, t.budget_amount,
        t.lease_cap_s, t.attempts, t.max_attempts, t.lease_token, t.lease_expires_at
    ), seen as (
      update worker set last_seen_at = now() where id = $4::uuid
    )
    select l.*, c.script_sha256, c.dataset_sha256 from leased l join campaign c on c.id = l.campaign_id
    order by l.index`;

export interface LeaseParams {
  workerId: string;
  simulatedWorker: boolean;
  maxTasks: number;
  ttlS: number;
  /** A calibrated cap is expected seconds × margin + overhead, at most the task's budget_s. */
  capMargin: number;
  capOverheadS: number;
}

/** A simulating worker only gets tasks of campaigns that allow simulated results. */
export function leaseTasks(p: LeaseParams): Query<LeasedRow> {
  return { name: 'xeenet_lease', text: TEXT, values: [p.simulatedWorker, p.maxTasks, p.ttlS, p.workerId, p.capMargin, p.capOverheadS] };
}

/**
 * Why a lease found nothing: queued tasks this worker may take but is too slow for, or queued
 * tasks only another hardware class may take. Asked only after an empty lease.
 */
export function whyNothingFits(p: Pick<LeaseParams, 'workerId' | 'simulatedWorker' | 'capOverheadS'>): Query<{ too_slow: boolean; other_class: boolean }> {
  return {
    name: 'xeenet_lease_why_empty',
    text: `select
        exists (select 1 from task t where t.status = 'queued' and ${canTake('$2')} and not ${fits('$2', '$3')}) as too_slow,
        exists (select 1 from task t where t.status = 'queued' and t.device_class is not null and t.device_class <> ${me('$2').deviceClass}) as other_class`,
    values: [p.simulatedWorker, p.workerId, p.capOverheadS],
  };
}
