// What a lease statement that matched no row ran into: read to explain the refusal.
import type { Query } from '../../../db/sql.ts';
import type { LeaseRow } from '../lease-state.ts';

export function taskState(taskId: string): Query<LeaseRow> {
  return { name: 'xeenet_lease_state', text: `select status, lease_token, worker_id from task where id = $1::uuid`, values: [taskId] };
}
