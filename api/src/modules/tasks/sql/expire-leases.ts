// leased → queued (attempts left) | failed (out of attempts) for leases past their expiry, with
// the attempt recorded. SKIP LOCKED, so several API replicas' reapers can run it at once.
import type { Query } from '../../../db/sql.ts';
import type { TaskStatus } from '../../../db/entities/task.entity.ts';

const TEXT = `with expired as (
      select id from task where status = 'leased' and lease_expires_at < now()
      for update skip locked
    ), updated as (
      update task t set
        status = case when t.attempts >= t.max_attempts then 'failed' else 'queued' end,
        failure_reason = case when t.attempts >= t.max_attempts
          then 'lease expired on the last of ' || t.max_attempts || ' attempts: the worker stopped sending heartbeats'
          else t.failure_reason end,
        finished_at = case when t.attempts >= t.max_attempts then now() else null end,
        lease_expires_at = null, progress = null, updated_at = now()
      from expired where t.id = expired.id
      returning t.id, t.campaign_id, t.status, t.worker_id, t.attempts, t.lease_token
    ), history as (
      insert into run_result (id, task_id, campaign_id, worker_id, lease_token, attempt, outcome, accepted, simulated, error, created_at)
      select gen_random_uuid(), id, campaign_id, worker_id, lease_token, attempts, 'expired', false, false,
        'lease expired: no heartbeat from the worker', now()
      from updated
    )
    select id, campaign_id, status, worker_id from updated`;

export function expireLeases(): Query<{ id: string; campaign_id: string; status: TaskStatus; worker_id: string | null }> {
  return { name: 'xeenet_expire_leases', text: TEXT, values: [] };
}
