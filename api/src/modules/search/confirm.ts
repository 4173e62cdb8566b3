// Confirm before keep: seed replicates of a config give a mean and a Student-t confidence interval;
// one config counts as better than another only when their intervals do not overlap. The noise
// floor is the pooled within-config standard deviation of all replicated configs, which also
// gives an interval to a config that has run once. Pure functions; lower values are better.
import { configKey, drawTaskSeed, prngAt } from './common.ts';
import type { Observation, Proposal, TaskConfig } from './strategy.ts';
import { studentTQuantile } from './student-t.ts';

export const DEFAULT_CONFIDENCE = 0.95;

export interface Interval {
  n: number;
  mean: number;
  /** Standard deviation the interval used: the sample's own (n >= 2) or the noise floor's; null without either. */
  sd: number | null;
  /** Degrees of freedom of the t quantile (n - 1, or the noise floor's). */
  df: number | null;
  halfWidth: number;
  low: number;
  high: number;
  confidence: number;
}

export interface NoiseFloor {
  /** Pooled within-config standard deviation. */
  sd: number;
  /** Its degrees of freedom: sum over replicated configs of (replicates - 1). */
  df: number;
  /** How many configs had at least two replicates. */
  configs: number;
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be in (0, 1), got ${confidence}`);
}

/** Mean ± a Student-t interval over replicate values (the noise floor stands in when n < 2). */
export function summarize(values: readonly number[], options: { confidence?: number; noise?: NoiseFloor | null } = {}): Interval {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  checkConfidence(confidence);
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  if (n === 0) throw new Error('summarize needs at least one finite value');
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  let sd: number | null = null;
  let df: number | null = null;
  if (n >= 2) {
    sd = Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
    df = n - 1;
  } else if (options.noise && options.noise.df > 0) {
    sd = options.noise.sd;
    df = options.noise.df;
  }
  const halfWidth = sd === null || df === null ? Infinity : studentTQuantile((1 + confidence) / 2, df) * (sd / Math.sqrt(n));
  return { n, mean, sd, df, halfWidth, low: mean - halfWidth, high: mean + halfWidth, confidence };
}

/** `a` is better (lower) than `b` only when a's whole interval lies below b's. */
export function isBetter(a: Interval, b: Interval): boolean {
  return a.high < b.low;
}

export function compareIntervals(a: Interval, b: Interval): 'better' | 'worse' | 'indistinguishable' {
  if (isBetter(a, b)) return 'better';
  if (isBetter(b, a)) return 'worse';
  return 'indistinguishable';
}

/** Pooled within-config standard deviation over every group with at least two replicates. */
export function noiseFloor(groups: readonly (readonly number[])[]): NoiseFloor | null {
  let sumSquares = 0;
  let df = 0;
  let configs = 0;
  for (const group of groups) {
    const values = group.filter((v) => Number.isFinite(v));
    if (values.length < 2) continue;
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    sumSquares += values.reduce((a, v) => a + (v - mean) ** 2, 0);
    df += values.length - 1;
    configs += 1;
  }
  return df === 0 ? null : { sd: Math.sqrt(sumSquares / df), df, configs };
}

export interface ConfigReplicates {
  config: TaskConfig;
  budgetScale: number;
  tasks: (Observation & { value: number })[];
  values: number[];
}

/** Completed results grouped by (config, budgetScale), in order of first appearance. */
export function groupReplicates(history: readonly Observation[]): ConfigReplicates[] {
  const groups = new Map<string, ConfigReplicates>();
  for (const o of history) {
    if (o.state !== 'completed' || typeof o.value !== 'number' || !Number.isFinite(o.value)) continue;
    const key = `${o.budgetScale}:${configKey(o.config)}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { config: o.config, budgetScale: o.budgetScale, tasks: [], values: [] }));
    group.tasks.push(o as Observation & { value: number });
    group.values.push(o.value);
  }
  return [...groups.values()];
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The re-runs that confirm the top `k` configs: `m` new seeds each (seeds the config has not run
 * with), at the largest budget any result has. Configs are ranked by their mean at that budget.
 */
export function chooseConfirmations(history: readonly Observation[], k: number, m: number, campaignSeed: number): Proposal[] {
  if (!Number.isInteger(k) || k < 0 || !Number.isInteger(m) || m < 0) throw new Error('k and m must be non-negative integers');
  const groups = groupReplicates(history);
  if (groups.length === 0) return [];
  const topScale = Math.max(...groups.map((g) => g.budgetScale));
  const mean = (g: ConfigReplicates) => g.values.reduce((a, b) => a + b, 0) / g.values.length;
  const ranked = groups
    .filter((g) => g.budgetScale === topScale)
    .map((g, order) => ({ g, order, mean: mean(g) }))
    .sort((a, b) => a.mean - b.mean || a.order - b.order)
    .slice(0, k);
  const proposals: Proposal[] = [];
  ranked.forEach(({ g, mean: groupMean }, rank) => {
    const key = configKey(g.config);
    const used = new Set(history.filter((o) => configKey(o.config) === key).map((o) => o.seed));
    const best = g.tasks.reduce((a, b) => (b.value < a.value ? b : a));
    let draw = 0;
    for (let replicate = 1; replicate <= m; replicate++) {
      let seed: number;
      do seed = drawTaskSeed(prngAt(campaignSeed ^ hash32(key), draw++, 1));
      while (used.has(seed));
      used.add(seed);
      proposals.push({
        config: g.config,
        seed,
        budgetScale: g.budgetScale,
        description: `confirm: new seed ${replicate}/${m} for #${rank + 1} (mean ${groupMean.toFixed(4)} over ${g.values.length})`,
        parentTaskId: best.taskId,
        derivedFrom: { strategy: 'confirm', rank: rank + 1, replicate, of: m, mean: groupMean, replicates: g.values.length },
      });
    }
  });
  return proposals;
}
