// queued → leased: the queue head, skipping rows other leasers hold, in one statement.
import type { Query } from '../../../db/sql.ts';

export interface LeasedRow {
  id: string;
  campaign_id: string;
  index: number;
  config: Record<string, unknown>;
  seed: number;
  budget_s: number;
  attempts: number;
  max_attempts: number;
  lease_token: string;
  lease_expires_at: string | Date;
  script_sha256: string;
  dataset_sha256: string;
}

// Verification (modules/verification) adds the gate in `me`: an excluded owner gets nothing; with
// verification on ($6) a worker past its daily quota gets nothing, nor does an unproven one while
// $9 of its results await a verdict (so a fabricator is judged before it can report many); and a
// replica never goes to a worker of an owner whose result it checks, nor to an unproven worker
// when it checks an unproven one.
const TEXT = `with me as (
      select (w.trusted or w.consecutive_valid >= $7) as established,
        a.excluded_at is null
          and (not $6::boolean or w.simulated or w.quota_day is distinct from current_date
               or w.quota_used < coalesce(w.daily_quota, $8))
          and (case when not $6::boolean or w.simulated or w.trusted or w.consecutive_valid >= $7 then true
               else (select count(*) from run_result r where r.worker_id = w.id and r.validation = 'pending') < $9 end) as may_lease
      from worker w join account a on a.id = w.account_id where w.id = $4::uuid
    ), picked as (
      -- Scalar subqueries on me: computed once (InitPlans), so the queue stays an ordered index scan.
      select t.id from task t
      where t.status = 'queued' and (select may_lease from me)
        and (not $1::boolean or exists (select 1 from campaign c where c.id = t.campaign_id and c.allow_simulated))
        and (t.excluded_account_ids is null or not ($5::text = any(t.excluded_account_ids)))
        and (not t.needs_established or (select established from me))
      order by t.priority desc, t.created_at, t.index
      limit $2
      for update of t skip locked
    ), leased as (
      update task t set status = 'leased', lease_token = gen_random_uuid(),
        lease_expires_at = now() + make_interval(secs => $3), worker_id = $4::uuid,
        attempts = t.attempts + 1, leased_at = now(), heartbeat_at = now(), progress = null, updated_at = now()
      from picked where t.id = picked.id
      returning t.id, t.campaign_id, t.index, t.config, t.seed, t.budget_s, t.attempts, t.max_attempts,
        t.lease_token, t.lease_expires_at
    ), seen as (
      update worker set last_seen_at = now(), quota_day = current_date,
        quota_used = (case when quota_day = current_date then quota_used else 0 end) + (select count(*) from leased)
      where id = $4::uuid
    )
    select l.*, c.script_sha256, c.dataset_sha256 from leased l join campaign c on c.id = l.campaign_id
    order by l.index`;

export interface LeaseGate {
  /** Quotas apply (verification on). */
  quotas: boolean;
  trustAfterValid: number;
  initialQuota: number;
  maxPendingUnproven: number;
}

/** A simulating worker only gets tasks of campaigns that allow simulated results. */
export function leaseTasks(
  p: { workerId: string; accountId: string; simulatedWorker: boolean; maxTasks: number; ttlS: number },
  gate: LeaseGate,
): Query<LeasedRow> {
  return {
    name: 'xeenet_lease',
    text: TEXT,
    values: [p.simulatedWorker, p.maxTasks, p.ttlS, p.workerId, p.accountId, gate.quotas, gate.trustAfterValid, gate.initialQuota, gate.maxPendingUnproven],
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
