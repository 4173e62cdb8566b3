// leased → queued without counting the attempt, and never to this worker again: the worker would
// not run it (a bad or missing signature, no sandbox, its volunteer's preferences). One statement.
import type { Query } from '../../../db/sql.ts';
import type { LeaseClaim } from '../lease-state.ts';

export const REFUSAL_CODES = ['unsigned', 'bad_signature', 'unknown_key', 'not_own', 'no_sandbox', 'preferences'] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export function refuseTask(claim: LeaseClaim, refusal: { code: RefusalCode; reason: string }): Query<{ campaign_id: string }> {
  return {
    name: 'xeenet_refuse',
    text: `with released as (
        update task set status = 'queued', attempts = greatest(attempts - 1, 0), worker_id = null, lease_token = null,
          lease_expires_at = null, leased_at = null, progress = null, updated_at = now()
        where id = $1::uuid and lease_token = $2::uuid and worker_id = $3::uuid and status = 'leased'
        returning id, campaign_id
      ), refused as (
        insert into task_refusal (task_id, worker_id, code, reason, created_at)
        select id, $3::uuid, $4, $5, now() from released
        on conflict (task_id, worker_id) do update set code = excluded.code, reason = excluded.reason, created_at = excluded.created_at
      )
      select campaign_id from released`,
    values: [claim.taskId, claim.leaseToken, claim.workerId, refusal.code, refusal.reason],
  };
}
