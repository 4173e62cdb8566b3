// Reads and reputation writes of the verification service. Task and result transitions are the
// lifecycle's (tasks/sql/create-replica.ts, tasks/sql/validate.ts); credits are the ledger's.
import type { Query } from '../../../db/sql.ts';
import type { ValidationState } from '../../../db/entities/task.entity.ts';
import type { CreditState } from '../../../db/entities/run-result.entity.ts';

/**
 * Locks the campaign a task belongs to. Every verification step takes this lock first, then the
 * original task's, then workers' and accounts' rows in id order, so concurrent steps never deadlock
 * (cancellation and closing lock the campaign first too).
 */
export function lockCampaignOf(taskId: string): Query<{ id: string }> {
  return {
    name: 'xeenet_verify_lock_campaign_of',
    text: `select c.id from campaign c where c.id = (select t.campaign_id from task t where t.id = $1::uuid) for update`,
    values: [taskId],
  };
}

export function lockCampaign(campaignId: string): Query<{ id: string }> {
  return { name: 'xeenet_verify_lock_campaign', text: `select id from campaign where id = $1::uuid for update`, values: [campaignId] };
}

/** Locks an original task: every verdict over its runs is taken under this lock, one at a time. */
export function lockOriginal(taskId: string): Query<{ root_id: string }> {
  return {
    name: 'xeenet_verify_lock',
    text: `select o.id as root_id from task o
      where o.id = (select coalesce(t.replica_of_id, t.id) from task t where t.id = $1::uuid) for update of o`,
    values: [taskId],
  };
}

export interface CompletedFacts {
  task_id: string;
  replica_of_id: string | null;
  campaign_id: string;
  campaign_seed: number;
  campaign_status: string;
  index: number;
  attempts: number;
  reward: string | number;
  result_id: string;
  val_bpb: number;
  metrics: Record<string, unknown> | null;
  worker_id: string;
  account_id: string;
  consecutive_valid: number;
  trusted: boolean;
  /** The campaign's owner: a result from one of the owner's own workers needs no independent check. */
  campaign_owner_id: string;
  /** The campaign's best valid val_bpb among originals, before this result. */
  best_valid: number | null;
}

export function completedFacts(resultId: string): Query<CompletedFacts> {
  return {
    name: 'xeenet_verify_completed_facts',
    text: `select t.id as task_id, t.replica_of_id, t.campaign_id, c.seed as campaign_seed, c.status as campaign_status, c.owner_id as campaign_owner_id, t.index,
        t.attempts, t.reward, r.id as result_id, r.val_bpb, r.metrics, r.worker_id, w.account_id, w.consecutive_valid, w.trusted,
        (select min(o.val_bpb) from task o where o.campaign_id = t.campaign_id and o.replica_of_id is null
           and o.validation = 'valid' and o.id <> t.id) as best_valid
      from run_result r join task t on t.id = r.task_id join campaign c on c.id = t.campaign_id join worker w on w.id = r.worker_id
      where r.id = $1::uuid`,
    values: [resultId],
  };
}

export interface GroupRun {
  id: string;
  task_id: string;
  val_bpb: number;
  train_loss: number;
  steps: number;
  metrics: Record<string, unknown> | null;
  account_id: string;
  validation: ValidationState | null;
  credit_state: CreditState | null;
}

/** Every accepted run of an original and its replicas, oldest first, and how many replicas are still live. */
export function groupRuns(rootId: string): Query<GroupRun & { live: number; campaign_id: string }> {
  return {
    name: 'xeenet_verify_group',
    text: `select r.id, r.task_id, r.val_bpb, r.train_loss, r.steps, r.metrics, w.account_id, r.validation, r.credit_state, t.campaign_id,
        (select count(*)::int from task l where l.replica_of_id = $1::uuid and l.status in ('queued', 'leased')) as live
      from run_result r join task t on t.id = r.task_id join worker w on w.id = r.worker_id
      where (t.id = $1::uuid or t.replica_of_id = $1::uuid) and r.accepted and r.outcome = 'succeeded'
      order by r.created_at, r.id`,
    values: [rootId],
  };
}

/** Live replicas of an original. */
export function liveReplicas(rootId: string): Query<{ live: number }> {
  return {
    name: 'xeenet_verify_live_replicas',
    text: `select count(*)::int as live from task where replica_of_id = $1::uuid and status in ('queued', 'leased')`,
    values: [rootId],
  };
}

/** Valid results: the streak and total grow, the quota doubles (BOINC). */
export function recordValid(workerIds: readonly string[], initialQuota: number, maxQuota: number): Query<{ id: string }> {
  return {
    name: 'xeenet_reputation_valid',
    text: `update worker set consecutive_valid = consecutive_valid + 1, valid_total = valid_total + 1,
        daily_quota = least($3::int, coalesce(daily_quota, $2::int) * 2)
      where id = any($1::uuid[]) returning id`,
    values: [workerIds, initialQuota, maxQuota],
  };
}

/** An invalid result: a strike, the streak back to zero, the quota halved. */
export function recordInvalid(workerId: string, initialQuota: number): Query<{ account_id: string; strikes: number }> {
  return {
    name: 'xeenet_reputation_invalid',
    text: `update worker set strikes = strikes + 1, consecutive_valid = 0, daily_quota = greatest(1, coalesce(daily_quota, $2::int) / 2)
      where id = $1::uuid returning account_id, strikes`,
    values: [workerId, initialQuota],
  };
}

/** At maxStrikes a worker's owner is excluded from leasing, with the reason. */
export function excludeOwner(accountId: string, strikes: number): Query<{ id: string }> {
  return {
    name: 'xeenet_reputation_exclude',
    text: `update account set excluded_at = now(),
        excluded_reason = $2::int || ' invalid results (strikes): results that independent replays of the same task contradicted'
      where id = $1::uuid and excluded_at is null returning id`,
    values: [accountId, strikes],
  };
}

/** Pending runs of a campaign whose original has no live replica: nothing more can decide them. */
export function undecidedOriginals(campaignId: string): Query<{ id: string }> {
  return {
    name: 'xeenet_verify_undecided',
    text: `select o.id from task o where o.campaign_id = $1::uuid and o.replica_of_id is null and o.validation = 'pending'
      and not exists (select 1 from task l where l.replica_of_id = o.id and l.status in ('queued', 'leased'))`,
    values: [campaignId],
  };
}

/** The best valid originals of a campaign that no independent worker confirmed yet. */
export function unconfirmedTop(campaignId: string, top: number): Query<{ id: string; result_id: string; metrics: Record<string, unknown> | null; account_id: string }> {
  return {
    name: 'xeenet_verify_unconfirmed_top',
    text: `select o.id, r.id as result_id, r.metrics, w.account_id from (
        select id, canonical_result_id from task where campaign_id = $1::uuid and replica_of_id is null and validation = 'valid'
          and not simulated and val_bpb is not null
        order by val_bpb, index limit $2
      ) o join run_result r on r.id = o.canonical_result_id join worker w on w.id = r.worker_id
      where not exists (select 1 from task l where l.replica_of_id = o.id)
        -- The owner's own machines' results stand on the owner's trust (nobody else could confirm them).
        and w.account_id <> (select owner_id from campaign where id = $1::uuid)`,
    values: [campaignId, top],
  };
}

/** What a replica of an original costs, who pays it, and whether its campaign still runs. */
export function originalFunding(rootId: string): Query<{ reward: string | number; owner_id: string; campaign_status: string }> {
  return {
    name: 'xeenet_verify_original_funding',
    text: `select o.reward, c.owner_id, c.status as campaign_status from task o join campaign c on c.id = o.campaign_id where o.id = $1::uuid`,
    values: [rootId],
  };
}
