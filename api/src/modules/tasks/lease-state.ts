// The task lifecycle, stated once. lifecycle.ts performs these transitions, one SQL statement each
// (sql/<transition>.ts) that checks and writes at once; this module explains a refusal when a
// statement matched no row.
//
//   create ──▶ queued ──lease──▶ leased ──complete──▶ succeeded
//                ▲                 │ ├──fail (retryable, attempts left)──▶ queued
//                │                 │ ├──fail (final or out of attempts)──▶ failed
//                │                 │ ├──release (worker shutting down)───▶ queued (attempt not counted)
//                │                 │ ├──refuse (worker will not run it)──▶ queued (not counted; never again to that worker)
//                └──expire (attempts left)─┘ └──expire (out of attempts)──▶ failed
//   queued | leased ──cancel──▶ cancelled
//   queued (expired, not yet re-leased) ──heartbeat or complete by its last holder──▶ leased | succeeded
//   leased ──heartbeat──▶ leased: the row (lease_expires_at, heartbeat_at, progress) is written at most
//                         once per write interval (XEENET_HEARTBEAT_WRITE_S, at most TTL/2) or on a new
//                         progress message; the beats between only reach the live lease store
//                         (live-leases.ts). The reaper reads only the row, whose expiry covers them.
//
// Verification (XEENET_VERIFICATION=replay, modules/verification) adds tasks, not states: a
// replica is a queued task with replica_of set (create-replica.ts), the same config, seed and step
// count as its succeeded original, leased only by workers of other owners (and, when it checks an
// unproven worker, only by established ones), and it moves through the same machine. What its
// result and the original's are worth moves on a second, separate axis (validate.ts):
//
//   result:  pending ──quorum agrees──▶ valid ──outvoted by a later spot check──▶ invalid
//               ├──outvoted──▶ invalid        (valid at once: a trusted result not replicated)
//               └──no majority / campaign ended──▶ inconclusive
//   original task's validation: pending → valid (canonical result set) | inconclusive
//
// After an expiry the task keeps its last lease token until it is leased again, so a result
// that arrives late from that worker is still accepted; a new lease makes the old token stale.
// Task status says where the work is; what a result is worth (its acceptance, and later its
// validation) belongs to the run_result row that records it, not to this machine.
import type { TaskStatus } from '../../db/entities/task.entity.ts';
import { NotFoundError, StaleLeaseError } from '../../errors.ts';

export interface LeaseRow {
  status: TaskStatus;
  lease_token: string | null;
  worker_id: string | null;
}

export interface LeaseClaim {
  taskId: string;
  leaseToken: string;
  workerId: string;
}

/** Why a heartbeat, completion, failure or release was refused; nothing was changed. */
export function rejection(row: LeaseRow | undefined, claim: LeaseClaim): Error {
  if (!row) return new NotFoundError('task', `task ${claim.taskId} does not exist`);
  const { taskId, leaseToken, workerId } = claim;
  if (row.status === 'cancelled') {
    return new StaleLeaseError(taskId, 'cancelled', 'the campaign was cancelled; stop working on this task');
  }
  if (row.lease_token === leaseToken && row.worker_id !== workerId) {
    return new StaleLeaseError(taskId, 'not_holder', 'this lease belongs to another worker');
  }
  if (row.lease_token !== leaseToken) {
    if (row.lease_token === null && row.status === 'queued') {
      return new StaleLeaseError(taskId, 'released', 'this lease was released or reported as failed; the task is back in the queue');
    }
    // Tokens are not kept after they are replaced, so an expired one and one never issued look alike.
    return new StaleLeaseError(taskId, 'expired', 'this lease token is no longer valid for the task: it expired and the task was leased again, or it was never issued');
  }
  if (row.status === 'succeeded' || row.status === 'failed') {
    return new StaleLeaseError(taskId, 'finished', `the task has already ${row.status}`);
  }
  return new StaleLeaseError(taskId, 'expired', 'this lease expired and was returned to the queue');
}
