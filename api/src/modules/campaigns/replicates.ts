// Confirm before keep: the statistics of a config's replicates (the original run and its re-runs
// with new seeds). One function computes an interval, so a better estimator can replace it alone.

export interface ReplicateSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); null with a single value. */
  std: number | null;
  /** Two-sided 95% Student-t interval of the mean; equal to the mean with a single value. */
  low: number;
  high: number;
}

// t quantiles at 0.975 for 1..30 degrees of freedom; beyond, the normal's 1.96 is within 2%.
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(degreesOfFreedom: number): number {
  return T_975[degreesOfFreedom - 1] ?? 1.96;
}

/** Mean ± t-interval of one config's values (lower val_bpb is better). */
export function summarizeReplicates(values: readonly number[]): ReplicateSummary {
  const n = values.length;
  if (n === 0) throw new Error('summarizeReplicates needs at least one value');
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (n === 1) return { n, mean, std: null, low: mean, high: mean };
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1);
  const std = Math.sqrt(variance);
  const half = tQuantile975(n - 1) * (std / Math.sqrt(n));
  return { n, mean, std, low: mean - half, high: mean + half };
}

/** Whether `a` is better (lower) than `b` by the intervals: a's whole interval lies below b's. */
export function confidentlyBetter(a: ReplicateSummary, b: ReplicateSummary): boolean {
  return a.n > 1 && b.n > 1 && a.high < b.low;
}

/** The noise floor: the pooled standard deviation of seeds within configs (null without replicates). */
export function pooledStd(groups: readonly (readonly number[])[]): number | null {
  let squares = 0;
  let freedom = 0;
  for (const values of groups) {
    if (values.length < 2) continue;
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    squares += values.reduce((sum, value) => sum + (value - mean) ** 2, 0);
    freedom += values.length - 1;
  }
  return freedom ? Math.sqrt(squares / freedom) : null;
}
