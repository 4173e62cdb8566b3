// Seed noise for Explore, on the campaign loop's own statistics (search/confirm.ts): a config's
// runs with different seeds give a mean and a Student-t interval; a single run gives no interval
// at all (Explore says "single run"), never one borrowed from elsewhere.
import { compareIntervals, type Interval, summarize } from '../search/confirm.ts';

export type { Interval };

/** The 95% interval of the mean of a config's results; null for a single run. */
export function meanInterval(values: readonly number[]): Interval | null {
  if (values.filter((value) => Number.isFinite(value)).length < 2) return null;
  return summarize(values);
}

/** Whether two intervals overlap: if they do, neither config is shown to be better. */
export function overlaps(a: Interval, b: Interval): boolean {
  return compareIntervals(a, b) === 'indistinguishable';
}
