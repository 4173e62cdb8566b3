// What this worker has done since it started, and the status board's bottom line.
export class WorkerStats {
  completed = 0;
  failed = 0;
  /** Leases the preflight refused (not run, given back). */
  refused = 0;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'stopping' | 'aborting';

export function summaryLine(server: string, state: ConnectionState, stats: WorkerStats, reportsPending: number): string {
  const refused = stats.refused ? ` · refused ${stats.refused}` : '';
  return `${server} · ${state} · done ${stats.completed} · failed ${stats.failed}${refused} · reports pending ${reportsPending}`;
}
