// BOINC's quorum over the runs of one task (the original and its replicas): two that agree make
// the canonical result; a disagreement asks for one more run; the majority wins.
import { agree, type ComparableResult } from './tolerance.ts';

/** Runs of one task, at most this many in all (the original, a replica, a tiebreaker). */
export const MAX_RUNS = 3;

export interface Run extends ComparableResult {
  id: string;
}

export type Verdict =
  /** The agreeing runs are valid, the others invalid; canonical is the first agreeing run. */
  | { kind: 'decided'; canonical: string; valid: string[]; invalid: string[] }
  /** No two agree yet and another run is allowed: replicate once more. */
  | { kind: 'replicate' }
  /** No two agree and no run is left: nothing is paid, nothing struck. */
  | { kind: 'inconclusive' };

/** runs: oldest first (the original first). */
export function decide(runs: readonly Run[], runsStillComing = 0): Verdict {
  // The largest set that agrees with one run (the earliest such run is canonical).
  let best: Run[] = [];
  for (const candidate of runs) {
    const group = runs.filter((other) => other === candidate || agree(candidate, other));
    if (group.length > best.length) best = group;
  }
  if (best.length >= 2 && best.length * 2 > runs.length) {
    const valid = best.map((run) => run.id);
    return { kind: 'decided', canonical: valid[0]!, valid, invalid: runs.filter((run) => !valid.includes(run.id)).map((run) => run.id) };
  }
  if (runs.length + runsStillComing < MAX_RUNS) return { kind: 'replicate' };
  return { kind: 'inconclusive' };
}
