// Seed noise, in numbers: a config's runs with different seeds give a mean and a Student-t
// interval; a single run gives no interval at all (and says so), never a made-up one.

/** Two-sided 95% Student-t quantiles (t₀.₉₇₅) for 1..30 degrees of freedom. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08,
  2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t₀.₉₇₅ for `df` degrees of freedom (the normal 1.96 beyond the table, within 2% of t from 30 on). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  if (df <= T_975.length) return T_975[df - 1]!;
  if (df <= 60) return 2.0;
  if (df <= 120) return 1.98;
  return 1.96;
}

export interface NoiseBand {
  /** The confidence level, 0.95. */
  level: number;
  low: number;
  high: number;
  halfWidth: number;
}

/** The 95% interval of the mean of `runs` results with sample standard deviation `std`; null for one run. */
export function meanInterval(mean: number, std: number | null, runs: number): NoiseBand | null {
  if (runs < 2 || std === null || !Number.isFinite(std)) return null;
  const halfWidth = (tQuantile975(runs - 1) * std) / Math.sqrt(runs);
  return { level: 0.95, low: mean - halfWidth, high: mean + halfWidth, halfWidth };
}

/** Whether two intervals overlap: if they do, neither config is shown to be better. */
export function overlaps(a: NoiseBand, b: NoiseBand): boolean {
  return a.low <= b.high && b.low <= a.high;
}
