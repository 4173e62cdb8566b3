// What the task lifecycle's transitions take and answer (lifecycle.ts).
import type { TaskStatus } from '../../db/entities/task.entity.ts';

/** Why a lease request got no task (besides the replica shutting down). */
export type EmptyLeaseReason = 'queue_empty' | 'too_slow' | 'other_hardware';

/** The worker a lease belongs to. */
export interface LeaseHolder {
  workerId: string;
  accountId: string;
  /** A simulating worker only gets tasks of campaigns that allow it, and its results pay nothing. */
  simulated: boolean;
}

export interface HeartbeatAck {
  taskId: string;
  /** The lease's expiry as written to the row: the reaper's deadline. */
  expiresAt: Date;
  /** Whether this heartbeat wrote the task row (false: only the live store). */
  written: boolean;
}

export interface CompletionAck {
  taskId: string;
  campaignId: string;
  resultId: string;
  duplicate: boolean;
  creditsEarned: number;
  /** The result awaits verification (its credits, if any, once it is valid). */
  pendingVerification: boolean;
}

export interface FailureAck {
  taskId: string;
  campaignId: string;
  status: TaskStatus;
  willRetry: boolean;
  duplicate: boolean;
}

/** What a transition inside the caller's transaction changed; announce() it once that committed. */
export interface TaskChanges {
  campaignId: string;
  taskIds: string[];
  workerIds: string[];
}
