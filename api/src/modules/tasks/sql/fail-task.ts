// leased → queued (retryable, attempts left) | failed (final or out of attempts); the attempt is recorded.
import type { Query } from '../../../db/sql.ts';
import type { LeaseClaim, LeaseRow } from '../lease-state.ts';
import type { TaskStatus } from '../../../db/entities/task.entity.ts';

export interface FailureRecord {
  reason: string;
  stdoutTail: string | null;
  stderrTail: string | null;
  retryable: boolean;
  simulated: boolean;
}

const TEXT = `with done as (
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
    select campaign_id, attempts, status from done`;

export function failTask(claim: LeaseClaim, failure: FailureRecord): Query<{ campaign_id: string; attempts: number; status: TaskStatus }> {
  return {
    name: 'xeenet_fail',
    text: TEXT,
    values: [failure.retryable, failure.reason, claim.taskId, claim.leaseToken, claim.workerId, failure.simulated, failure.stdoutTail, failure.stderrTail],
  };
}

/** Whether this lease's failure was already reported. */
export function failureState(claim: LeaseClaim): Query<LeaseRow & { campaign_id: string; reported: boolean }> {
  return {
    name: 'xeenet_failure_state',
    text: `select t.status, t.lease_token, t.worker_id, t.campaign_id,
        exists (select 1 from run_result r where r.task_id = t.id and r.lease_token = $2::uuid
                and r.outcome = 'failed' and r.worker_id = $3::uuid) as reported
      from task t where t.id = $1::uuid`,
    values: [claim.taskId, claim.leaseToken, claim.workerId],
  };
}
