// queued → leased, in one statement for a whole batch of lease requests (LeaseBatcher coalesces
// concurrent ones). Each request picks its own heads of the queue among the tasks its worker may
// run: a wall task only on its hardware class (cpu or gpu), a compute task only on a worker whose
// measured speed finishes it within the task's wall-clock cap (an uncalibrated worker gets every
// compute task, with the whole cap). Request k skips the slots of the requests before it, so a
// batch of alike workers gets distinct heads, as one shared queue would hand them out; when
// workers differ, two requests may pick one task (the earlier request keeps it) and the batcher
// runs a request that got nothing on its own. A calibrated worker's lease carries a cap fitted to
// its speed (lease_cap_s), which it hands the script as budget_s. Presence is written only when
// older than $5 seconds, so polling an empty queue writes no row. Script review: the owner's own
// workers take anything of theirs; everyone else only approved scripts of campaigns not kept to
// the owner's machines, and never a task it refused.
import type { ReviewState, ScriptOrigin } from '../../../db/entities/script.entity.ts';
import type { Query } from '../../../db/sql.ts';

export interface LeasedRow {
  /** Which request of the batch (0-based) this task went to. */
  request: number;
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
  campaign_owner_id: string;
  own_machines_only: boolean;
  script_id: string;
  script_name: string;
  script_version: number;
  script_origin: ScriptOrigin;
  script_review_state: ReviewState;
  script_signature: string | null;
  script_signing_key_id: string | null;
}

export interface LeaseRequest {
  workerId: string;
  maxTasks: number;
}

/** A worker's class and speeds (from its calibration reports) as columns of `alias`. */
const WORKER_PROFILE = `w.account_id, w.tokens_per_s, w.flops_per_s,
        case when w.hardware->>'device' in ('cuda', 'mps') then 'gpu' else 'cpu' end as device_class`;

// Verification's gate, per request: an excluded owner gets nothing; with verification on ($9) a
// worker past its daily quota gets nothing, nor does an unproven one while $11 of its results
// await a verdict (so a fabricator is judged before it can report many).
const WORKER_GATE = `(w.trusted or w.consecutive_valid >= $8) as established,
        a.excluded_at is null
          and (not $9::boolean or w.simulated or w.quota_day is distinct from current_date
               or w.quota_used < coalesce(w.daily_quota, $10))
          and (case when not $9::boolean or w.simulated or w.trusted or w.consecutive_valid >= $8 then true
               else (select count(*) from run_result r where r.worker_id = w.id and r.validation = 'pending') < $11 end) as may_lease`;

/** Seconds the task's work takes at the worker's speed, or null (wall task, or no speed known). */
const expectedS = (worker: string) =>
  `(t.budget_amount / nullif(case t.budget_unit when 'tokens' then ${worker}.tokens_per_s when 'flops' then ${worker}.flops_per_s end, 0))`;

// A scalar subquery, evaluated per candidate in queue order: as an EXISTS the planner turns it into
// a semi-join over the whole queue (measured 60 ms instead of 1 ms at 20,000 queued).
// Verification: a replica never goes to a worker of an owner whose result it checks, nor to an
// unproven worker when it checks an unproven one.
const canTake = (worker: string) => `(select (not $1::boolean or c.allow_simulated)
                and (c.owner_id = ${worker}.account_id or (not c.own_machines_only and s.review_state = 'approved'))
              from campaign c join script s on s.id = c.training_script_id where c.id = t.campaign_id)
        and not exists (select 1 from task_refusal r where r.task_id = t.id and r.worker_id = ${worker}.worker_id)
        and (t.device_class is null or t.device_class = ${worker}.device_class)
        and (t.excluded_account_ids is null or not (${worker}.account_id::text = any(t.excluded_account_ids)))
        and (not t.needs_established or ${worker}.established)`;
const fits = (worker: string, overhead: string) =>
  `(t.budget_kind <> 'compute' or ${expectedS(worker)} is null or ${expectedS(worker)} + ${overhead}::float8 <= t.budget_s)`;

const TEXT = `with req as (
      select (r.request - 1)::int as request, r.worker_id, r.max_tasks,
        (coalesce(sum(r.max_tasks) over (order by r.request rows between unbounded preceding and 1 preceding), 0))::int as skip,
        ${WORKER_PROFILE}, ${WORKER_GATE}
      from unnest($2::uuid[], $3::int[]) with ordinality as r(worker_id, max_tasks, request)
      join worker w on w.id = r.worker_id join account a on a.id = w.account_id
    ), picked as (
      select req.request, req.worker_id, c.id, c.expected_s
      from req cross join lateral (
        select t.id, ${expectedS('req')} as expected_s from task t
        -- One CASE, not ANDs and ORs: its selectivity is not multiplied down, so the planner keeps the
        -- ordered index scan of the queue even on a freshly filled, not yet analyzed table.
        where t.status = 'queued' and (case when ${canTake('req')} and ${fits('req', '$7')} then true else false end)
        order by t.priority desc, t.created_at, t.index
        offset req.skip limit req.max_tasks
        for update of t skip locked
      ) c
      where req.may_lease
    ), assigned as (
      select distinct on (id) id, worker_id, request, expected_s from picked order by id, request
    ), leased as (
      update task t set status = 'leased', lease_token = gen_random_uuid(),
        lease_expires_at = now() + make_interval(secs => $4), worker_id = a.worker_id,
        attempts = t.attempts + 1, leased_at = now(), heartbeat_at = now(), progress = null, updated_at = now(),
        lease_cap_s = case when a.expected_s is null then t.budget_s
          else least(t.budget_s, ceil(a.expected_s * $6::float8 + $7::float8))::int end
      from assigned a where t.id = a.id
      returning a.request, t.id, t.campaign_id, t.index, t.config, t.seed, t.budget_s, t.budget_kind, t.budget_unit,
        t.budget_amount, t.lease_cap_s, t.attempts, t.max_attempts, t.lease_token, t.lease_expires_at
    ), seen as (
      -- Presence at most every $5 s; a worker that leased also counts its day's quota.
      update worker w set last_seen_at = now(), quota_day = current_date,
        quota_used = (case when w.quota_day = current_date then w.quota_used else 0 end) + n.leased
      from (select req.worker_id, count(l.id)::int as leased from req left join leased l on l.request = req.request group by req.worker_id) n
      where w.id = n.worker_id and (n.leased > 0 or w.last_seen_at < now() - make_interval(secs => $5))
    )
    select l.*, c.script_sha256, c.dataset_sha256, c.owner_id as campaign_owner_id, c.own_machines_only,
      s.id as script_id, s.name as script_name, s.version as script_version, s.origin as script_origin,
      s.review_state as script_review_state, s.signature as script_signature, s.signing_key_id as script_signing_key_id
    from leased l join campaign c on c.id = l.campaign_id join script s on s.id = c.training_script_id
    order by l.request, l.index`;

export interface LeaseParams {
  requests: readonly LeaseRequest[];
  /** Requests of workers that all simulate or all do not: a simulating worker only gets tasks of campaigns that allow simulated results. */
  simulatedWorkers: boolean;
  ttlS: number;
  presenceS: number;
  /** A calibrated cap is expected seconds × margin + overhead, at most the task's budget_s. */
  capMargin: number;
  capOverheadS: number;
  gate: LeaseGate;
}

export interface LeaseGate {
  /** Quotas apply (verification on). */
  quotas: boolean;
  trustAfterValid: number;
  initialQuota: number;
  maxPendingUnproven: number;
}

export function leaseTasks(p: LeaseParams): Query<LeasedRow> {
  const workerIds = p.requests.map((request) => request.workerId);
  const maxTasks = p.requests.map((request) => request.maxTasks);
  return {
    name: 'xeenet_lease',
    text: TEXT,
    values: [
      p.simulatedWorkers, workerIds, maxTasks, p.ttlS, p.presenceS, p.capMargin, p.capOverheadS,
      p.gate.trustAfterValid, p.gate.quotas, p.gate.initialQuota, p.gate.maxPendingUnproven,
    ],
  };
}

/**
 * Why a lease found nothing: queued tasks this worker may take but is too slow for, or queued
 * tasks only another hardware class may take. Asked only after an empty lease.
 */
export function whyNothingFits(p: {
  workerId: string;
  simulatedWorker: boolean;
  capOverheadS: number;
  trustAfterValid: number;
}): Query<{ too_slow: boolean; other_class: boolean }> {
  return {
    name: 'xeenet_lease_why_empty',
    text: `with me as (select w.id as worker_id, ${WORKER_PROFILE}, (w.trusted or w.consecutive_valid >= $4) as established
        from worker w where w.id = $2::uuid)
      select
        exists (select 1 from task t cross join me where t.status = 'queued' and ${canTake('me')} and not ${fits('me', '$3')}) as too_slow,
        exists (select 1 from task t cross join me where t.status = 'queued' and t.device_class is not null and t.device_class <> me.device_class) as other_class`,
    values: [p.simulatedWorker, p.workerId, p.capOverheadS, p.trustAfterValid],
  };
}

/** Why a lease found nothing: the caller's exclusion and quota (read only when it found nothing). */
export function leaseGateState(workerId: string): Query<{ excluded_reason: string | null; excluded: boolean; quota: number | null; used_today: number }> {
  return {
    name: 'xeenet_lease_gate_state',
    text: `select a.excluded_at is not null as excluded, a.excluded_reason, w.daily_quota as quota,
        case when w.quota_day = current_date then w.quota_used else 0 end as used_today
      from worker w join account a on a.id = w.account_id where w.id = $1::uuid`,
    values: [workerId],
  };
}
