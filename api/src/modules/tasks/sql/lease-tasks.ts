// queued → leased: the queue head, skipping rows other leasers hold, in one statement. The worker's
// presence is written only when older than $5 seconds, so polling an empty queue writes no row.
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

const TEXT = `with picked as (
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
      update worker set last_seen_at = now() where id = $4::uuid and last_seen_at < now() - make_interval(secs => $5)
    )
    select l.*, c.script_sha256, c.dataset_sha256 from leased l join campaign c on c.id = l.campaign_id
    order by l.index`;

/** A simulating worker only gets tasks of campaigns that allow simulated results. */
export function leaseTasks(p: { workerId: string; simulatedWorker: boolean; maxTasks: number; ttlS: number; presenceS: number }): Query<LeasedRow> {
  return { name: 'xeenet_lease', text: TEXT, values: [p.simulatedWorker, p.maxTasks, p.ttlS, p.workerId, p.presenceS] };
}
