// leased → queued without counting the attempt (the worker is shutting down).
import type { Query } from '../../../db/sql.ts';
import type { LeaseClaim } from '../lease-state.ts';

export function releaseTask(claim: LeaseClaim): Query<{ campaign_id: string }> {
  return {
    name: 'xeenet_release',
    text: `update task set status = 'queued', attempts = greatest(attempts - 1, 0), worker_id = null, lease_token = null,
        lease_expires_at = null, leased_at = null, progress = null, updated_at = now()
      where id = $1::uuid and lease_token = $2::uuid and worker_id = $3::uuid and status = 'leased'
      returning campaign_id`,
    values: [claim.taskId, claim.leaseToken, claim.workerId],
  };
}
