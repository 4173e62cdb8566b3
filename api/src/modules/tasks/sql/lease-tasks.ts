// queued → leased: the queue heads, skipping rows other leasers hold, in one statement. One
// statement serves a whole batch of lease requests (LeaseBatcher coalesces concurrent ones): each
// request asks for up to max_tasks, and the heads go to the requests in the order they came. The
// workers' presence is written only when older than $5 seconds, so polling an empty queue writes no row.
import type { Query } from '../../../db/sql.ts';

export interface LeasedRow {
  /** Which request of the batch (0-based) this task went to. */
  request: number;
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

export interface LeaseRequest {
  workerId: string;
  maxTasks: number;
}

const TEXT = `with slot as (
      select (r.request - 1)::int as request, r.worker_id, row_number() over (order by r.request, g) as n
      from unnest($2::uuid[], $3::int[]) with ordinality as r(worker_id, max_tasks, request)
      cross join lateral generate_series(1, r.max_tasks) g
    ), picked as (
      select t.id, t.priority, t.created_at, t.index from task t
      where t.status = 'queued'
        and (not $1::boolean or exists (select 1 from campaign c where c.id = t.campaign_id and c.allow_simulated))
      order by t.priority desc, t.created_at, t.index
      limit $6
      for update of t skip locked
    ), assigned as (
      select p.id, s.worker_id, s.request
      from (select id, row_number() over (order by priority desc, created_at, index) as n from picked) p
      join slot s on s.n = p.n
    ), leased as (
      update task t set status = 'leased', lease_token = gen_random_uuid(),
        lease_expires_at = now() + make_interval(secs => $4), worker_id = a.worker_id,
        attempts = t.attempts + 1, leased_at = now(), heartbeat_at = now(), progress = null, updated_at = now()
      from assigned a where t.id = a.id
      returning a.request, t.id, t.campaign_id, t.index, t.config, t.seed, t.budget_s, t.attempts, t.max_attempts,
        t.lease_token, t.lease_expires_at
    ), seen as (
      update worker set last_seen_at = now() where id = any($2::uuid[]) and last_seen_at < now() - make_interval(secs => $5)
    )
    select l.*, c.script_sha256, c.dataset_sha256 from leased l join campaign c on c.id = l.campaign_id
    order by l.request, l.index`;

/** Requests of workers that all simulate or all do not: a simulating worker only gets tasks of campaigns that allow simulated results. */
export function leaseTasks(p: { requests: readonly LeaseRequest[]; simulatedWorkers: boolean; ttlS: number; presenceS: number }): Query<LeasedRow> {
  const workerIds = p.requests.map((request) => request.workerId);
  const maxTasks = p.requests.map((request) => request.maxTasks);
  const total = maxTasks.reduce((sum, n) => sum + n, 0);
  return { name: 'xeenet_lease', text: TEXT, values: [p.simulatedWorkers, workerIds, maxTasks, p.ttlS, p.presenceS, total] };
}
