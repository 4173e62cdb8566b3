// What goes into the spool for one finished attempt: completeTask with the script's whole result
// line as metrics, or failTask with the reason and the output tails. Pure.
import type { Lease } from './api/documents.ts';
import type { Outcome } from './outcome.ts';
import type { SpoolEntry } from './spool.ts';

export interface ReportIdentity {
  server: string;
  workerId: string;
  /** Every completion of a simulating worker says so. */
  simulate: boolean;
}

export function spoolEntry(identity: ReportIdentity, lease: Lease, outcome: Outcome, now = new Date()): SpoolEntry {
  const base = {
    version: 1 as const,
    server: identity.server,
    workerId: identity.workerId,
    taskId: lease.taskId,
    leaseToken: lease.token,
    createdAt: now.toISOString(),
  };
  if (outcome.kind === 'complete') {
    const result = outcome.result;
    return {
      ...base,
      report: {
        kind: 'complete',
        input: {
          taskId: lease.taskId,
          leaseToken: lease.token,
          result: {
            valBpb: result.valBpb,
            trainLoss: result.trainLoss,
            steps: result.steps,
            wallS: result.wallS,
            metrics: result.metrics,
            stdoutTail: result.stdoutTail || null,
            simulated: result.simulated || identity.simulate,
          },
        },
      },
    };
  }
  return {
    ...base,
    report: {
      kind: 'fail',
      input: {
        taskId: lease.taskId,
        leaseToken: lease.token,
        reason: outcome.failure.reason,
        stdoutTail: outcome.failure.stdoutTail || null,
        stderrTail: outcome.failure.stderrTail || null,
        retryable: outcome.failure.retryable,
      },
    },
  };
}
