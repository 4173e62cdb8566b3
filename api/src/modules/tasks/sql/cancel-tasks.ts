// queued | leased → cancelled for every live task of a campaign (its holders learn of it on their
// next heartbeat, as a CANCELLED refusal).
import type { Query } from '../../../db/sql.ts';

export function cancelTasks(campaignId: string): Query<{ id: string; worker_id: string | null; was_leased: boolean }> {
  return {
    name: 'xeenet_cancel_tasks',
    text: `update task t set status = 'cancelled', finished_at = now(), lease_expires_at = null, progress = null, updated_at = now()
      from (select id, status = 'leased' as was_leased from task
            where campaign_id = $1::uuid and status in ('queued', 'leased') for update) old
      where t.id = old.id
      returning t.id, t.worker_id, old.was_leased`,
    values: [campaignId],
  };
}
