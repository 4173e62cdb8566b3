// The worker protocol's state changes, one statement each: every statement both checks the
// lease (token, worker, status) and writes, so nothing can interleave between check and write.
import type { Statement } from '../../db/hot-sql.ts';

/** $1 only tasks of campaigns that allow simulated results, $2 how many, $3 TTL s, $4 worker. */
export const LEASE: Statement = {
  name: 'xeenet_lease',
  text: `with picked as (
      select t.id from task t
      where t.status = 'queued'
        and (not $1::boolean or exists (select 1 from campaign c where c.id = t.campaign_id and c.allow_simulated))
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
      update worker set last_seen_at = now() where id = $4::uuid
    )
    select l.*, c.script_sha256, c.dataset_sha256 from leased l join campaign c on c.id = l.campaign_id
    order by l.index`,
};

/**
 * $1 TTL s, $2 progress, $3 task, $4 token, $5 worker. A task the reaper requeued but nobody
 * leased again is reclaimed by its last holder.
 */
export const HEARTBEAT: Statement = {
  name: 'xeenet_heartbeat',
  text: `with hb as (
      update task set status = 'leased', lease_expires_at = now() + make_interval(secs => $1),
        heartbeat_at = now(), progress = $2::jsonb, updated_at = now()
      where id = $3::uuid and lease_token = $4::uuid and worker_id = $5::uuid and status in ('leased', 'queued')
      returning id, campaign_id, lease_expires_at
    ), seen as (
      update worker set last_seen_at = now() where id = $5::uuid
    )
    select * from hb`,
};

/**
 * The state change, the accepted result row and the payout (escrow −reward, wallet +reward: a
 * balanced pair) commit together in one statement. No wallet ($12 null: a simulated result)
 * pays nothing. $1 val_bpb, $2 simulated, $3 task, $4 token, $5 worker, $6 result id,
 * $7 train_loss, $8 steps, $9 wall_s, $10 metrics, $11 stdout tail, $12 wallet.
 */
export const COMPLETE: Statement = {
  name: 'xeenet_complete',
  text: `with done as (
      update task set status = 'succeeded', val_bpb = $1, simulated = $2,
        finished_at = now(), updated_at = now(), progress = null, lease_expires_at = null
      where id = $3::uuid and lease_token = $4::uuid and worker_id = $5::uuid and status in ('leased', 'queued')
      returning id, campaign_id, attempts, reward
    ), accepted as (
      insert into run_result (id, task_id, campaign_id, worker_id, lease_token, attempt, outcome, accepted, simulated,
        val_bpb, train_loss, steps, wall_s, metrics, stdout_tail, created_at)
      select $6::uuid, d.id, d.campaign_id, $5::uuid, $4::uuid, d.attempts, 'succeeded', true, $2,
        $1, $7, $8, $9, $10::jsonb, $11, now()
      from done d
    ), payout as (
      insert into ledger_entry (tx_id, credit_account_id, amount, kind, campaign_id, task_id, memo, created_at)
      select tx.id, p.credit_account_id, p.amount, 'payout', d.campaign_id, d.id, 'accepted result', now()
      from done d
      cross join (select gen_random_uuid() as id) tx
      cross join lateral (values
        ((select e.id from credit_account e where e.campaign_id = d.campaign_id), -d.reward),
        ($12::uuid, d.reward)
      ) as p(credit_account_id, amount)
      where $12::uuid is not null and d.reward > 0
    )
    select campaign_id, reward from done`,
};

/** What a completion that matched nothing ran into: $1 task, $2 token. */
export const COMPLETION_STATE: Statement = {
  name: 'xeenet_completion_state',
  text: `select t.status, t.lease_token, t.worker_id, t.simulated, t.reward, r.id as result_id
    from task t left join run_result r on r.task_id = t.id and r.lease_token = $2::uuid and r.accepted
    where t.id = $1::uuid`,
};

/**
 * Requeued while attempts remain and the failure may pass, else failed; the attempt is recorded.
 * $1 retryable, $2 reason, $3 task, $4 token, $5 worker, $6 simulated worker, $7 stdout, $8 stderr.
 */
export const FAIL: Statement = {
  name: 'xeenet_fail',
  text: `with done as (
      update task set
        status = case when $1::boolean and attempts < max_attempts then 'queued' else 'failed' end,
        finished_at = case when $1::boolean and attempts < max_attempts then null else now() end,
        failure_reason = $2, lease_token = null, lease_expires_at = null, progress = null, updated_at = now()
      where id = $3::uuid and lease_token = $4::uuid and worker_id = $5::uuid and status = 'leased'
      returning id, campaign_id, attempts, status
    ), attempt as (
      insert into run_result (id, task_id, campaign_id, worker_id, lease_token, attempt, outcome, accepted, simulated,
        stdout_tail, stderr_tail, error, created_at)
      select gen_random_uuid(), d.id, d.campaign_id, $5::uuid, $4::uuid, d.attempts, 'failed', false, $6, $7, $8, $2, now()
      from done d
    )
    select campaign_id, attempts, status from done`,
};

/** Whether this lease's failure was already reported: $1 task, $2 token, $3 worker. */
export const FAILURE_STATE: Statement = {
  name: 'xeenet_failure_state',
  text: `select t.status, t.lease_token, t.worker_id,
      exists (select 1 from run_result r where r.task_id = t.id and r.lease_token = $2::uuid
              and r.outcome = 'failed' and r.worker_id = $3::uuid) as reported
    from task t where t.id = $1::uuid`,
};

/** Back to the queue without counting the attempt: $1 task, $2 token, $3 worker. */
export const RELEASE: Statement = {
  name: 'xeenet_release',
  text: `update task set status = 'queued', attempts = greatest(attempts - 1, 0), worker_id = null, lease_token = null,
      lease_expires_at = null, leased_at = null, progress = null, updated_at = now()
    where id = $1::uuid and lease_token = $2::uuid and worker_id = $3::uuid and status = 'leased'
    returning campaign_id`,
};

/** $1 task. */
export const LEASE_STATE: Statement = {
  name: 'xeenet_lease_state',
  text: `select status, lease_token, worker_id from task where id = $1::uuid`,
};
