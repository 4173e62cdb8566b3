// What a lease statement that matched no row ran into: read to explain the refusal.
import type { Query } from '../../../db/sql.ts';
import type { LeaseRow } from '../lease-state.ts';

export function taskState(taskId: string): Query<LeaseRow> {
  return { name: 'xeenet_lease_state', text: `select status, lease_token, worker_id from task where id = $1::uuid`, values: [taskId] };
}

/** What a task allows a result to report (its budget and config), with who holds it. */
export function taskBudget(taskId: string): Query<LeaseRow & { budget_s: number; config: Record<string, unknown> }> {
  return {
    name: 'xeenet_task_budget',
    text: `select status, lease_token, worker_id, budget_s, config from task where id = $1::uuid`,
    values: [taskId],
  };
}
