// leased → leased (expiry extended, progress stored). A task the reaper requeued but nobody leased
// again is reclaimed by its last holder: queued → leased. The lifecycle runs it at most once per
// write interval per lease (the beats between go to the live lease store). The worker's presence
// is written only when older than $6 seconds: a worker row is not rewritten on every heartbeat.
import type { Query } from '../../../db/sql.ts';
import type { LeaseClaim } from '../lease-state.ts';

const TEXT = `with hb as (
      update task set status = 'leased', lease_expires_at = now() + make_interval(secs => $1),
        heartbeat_at = now(), progress = $2::jsonb, updated_at = now()
      where id = $3::uuid and lease_token = $4::uuid and worker_id = $5::uuid and status in ('leased', 'queued')
      returning id, campaign_id, lease_expires_at
    ), seen as (
      update worker set last_seen_at = now()
      where id = $5::uuid and last_seen_at < now() - make_interval(secs => $6)
        and exists (select 1 from hb)
    )
    select * from hb`;

export function heartbeat(
  claim: LeaseClaim,
  progressJson: string | null,
  ttlS: number,
  presenceS: number,
): Query<{ id: string; campaign_id: string; lease_expires_at: string | Date }> {
  return { name: 'xeenet_heartbeat', text: TEXT, values: [ttlS, progressJson, claim.taskId, claim.leaseToken, claim.workerId, presenceS] };
}
