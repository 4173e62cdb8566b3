// Chart data for campaigns of any size: the exact best-so-far frontier, plus a bounded sample of
// the raw results that keeps each x-bucket's best and worst point (the envelope a researcher reads).

import { graphql } from '../../gql';
import type { ResultPointFieldsFragment } from '../../gql/graphql';

/** One finished task as the charts need it; normalized by taskId (see type-policies.ts). */
export const ResultPointFields = graphql(`
  fragment ResultPointFields on ResultPoint {
    taskId
    index
    valBpb
    finishedAt
    config
    simulated
    validation
  }
`);

export interface Point {
  taskId: string;
  index: number;
  valBpb: number;
  /** ms since the epoch. */
  finishedAt: number;
  config: Record<string, unknown>;
  simulated: boolean;
  /** Awaiting verification: drawn, but not a "best" until replays confirm it. */
  pending?: boolean;
}

/** Per chart: enough to read the distribution, few enough for SVG to redraw in a frame or two. */
export const MAX_SCATTER_POINTS = 600;

function asConfig(config: unknown): Record<string, unknown> {
  return typeof config === 'object' && config !== null && !Array.isArray(config) ? (config as Record<string, unknown>) : {};
}

/** What a point is made of: a ResultPoint from the API, or a task row that succeeded. */
export interface PointSource {
  taskId: string;
  index: number;
  valBpb: number | null | undefined;
  finishedAt: string | null | undefined;
  config: unknown;
  simulated: boolean;
  validation?: string | null;
}

/** The one conversion to a chart point; null when there is nothing to plot. */
export function toPoint(source: PointSource): Point | null {
  if (source.valBpb == null || !Number.isFinite(source.valBpb)) return null;
  return {
    taskId: source.taskId,
    index: source.index,
    valBpb: source.valBpb,
    // A result without a finish stamp (should not happen) sorts as "now", after the loaded ones.
    finishedAt: source.finishedAt ? new Date(source.finishedAt).getTime() : Date.now(),
    config: asConfig(source.config),
    simulated: source.simulated,
    pending: source.validation === 'PENDING',
  };
}

/** Finish order (then index), as the frontier needs. */
export const byFinish = (a: Point, b: Point) => a.finishedAt - b.finishedAt || a.index - b.index;

/** Parses the API's points, ordered by finish time (then index). */
export function toPoints(raw: readonly ResultPointFieldsFragment[]): Point[] {
  const points: Point[] = [];
  for (const source of raw) {
    const point = toPoint(source);
    if (point) points.push(point);
  }
  return points.sort(byFinish);
}

export interface FrontierStep {
  finishedAt: number;
  best: number;
  index: number;
}

/**
 * The best val_bpb so far at each improvement, in finish order. Real results only, unless the
 * campaign has nothing but simulated ones (then those, and the caller labels them so).
 */
export function bestSoFar(points: readonly Point[]): { steps: FrontierStep[]; simulated: boolean } {
  // Verified (or, with verification off, accepted) results only: a pending best is not a best yet.
  const real = points.filter((point) => !point.simulated && !point.pending);
  const anyReal = real.length > 0 || points.some((point) => !point.simulated);
  const source = anyReal ? real : points;
  const steps: FrontierStep[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (const point of source) {
    if (point.valBpb < best) {
      best = point.valBpb;
      steps.push({ finishedAt: point.finishedAt, best, index: point.index });
    }
  }
  // Carry the frontier to the latest result so the line spans the whole run.
  const last = source.at(-1);
  const tail = steps.at(-1);
  if (last && tail && last.finishedAt > tail.finishedAt) steps.push({ finishedAt: last.finishedAt, best: tail.best, index: tail.index });
  return { steps, simulated: !anyReal && points.length > 0 };
}

/**
 * At most `max` points: for larger inputs, `max / 2` equal-width buckets along x keep their lowest
 * and highest y. The overall best point is always kept. Order of the output follows x.
 */
export function downsample<T>(items: readonly T[], x: (item: T) => number, y: (item: T) => number, max = MAX_SCATTER_POINTS): T[] {
  if (items.length <= max) return [...items];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let best: T | undefined;
  for (const item of items) {
    const value = x(item);
    if (Number.isFinite(value)) {
      if (value < lo) lo = value;
      if (value > hi) hi = value;
    }
    if (best === undefined || y(item) < y(best)) best = item;
  }
  const buckets = Math.max(1, Math.floor(max / 2));
  const width = hi > lo ? (hi - lo) / buckets : 1;
  const low: (T | undefined)[] = new Array(buckets);
  const high: (T | undefined)[] = new Array(buckets);
  for (const item of items) {
    const value = x(item);
    if (!Number.isFinite(value)) continue;
    const bucket = Math.min(buckets - 1, Math.floor((value - lo) / width));
    const min = low[bucket];
    const maxItem = high[bucket];
    if (min === undefined || y(item) < y(min)) low[bucket] = item;
    if (maxItem === undefined || y(item) > y(maxItem)) high[bucket] = item;
  }
  const kept = new Set<T>();
  for (let i = 0; i < buckets; i += 1) {
    const a = low[i];
    const b = high[i];
    if (a !== undefined) kept.add(a);
    if (b !== undefined) kept.add(b);
  }
  if (best !== undefined) kept.add(best);
  return [...kept].sort((a, b) => x(a) - x(b));
}

export interface ParamAxis {
  name: string;
  kind: 'numeric' | 'categorical';
  log: boolean;
  /** For categorical axes: the categories in display order. */
  categories: string[];
}

/** Learning-rate-like names get a log axis (as does any loguniform parameter). */
const LEARNING_RATE = /lr|learning_rate/i;

function searchSpaceType(space: unknown, name: string): string | undefined {
  if (typeof space !== 'object' || space === null) return undefined;
  const spec = (space as Record<string, unknown>)[name];
  return typeof spec === 'object' && spec !== null ? String((spec as Record<string, unknown>).type ?? '') : undefined;
}

/** Which config keys vary across the points, each with how to draw it. Learning rates first. */
export function paramAxes(points: readonly Point[], searchSpace: unknown): ParamAxis[] {
  const values = new Map<string, Set<string>>();
  const numeric = new Map<string, boolean>();
  for (const point of points) {
    for (const [key, value] of Object.entries(point.config)) {
      let seen = values.get(key);
      if (!seen) values.set(key, (seen = new Set()));
      if (seen.size <= 1000) seen.add(JSON.stringify(value));
      numeric.set(key, (numeric.get(key) ?? true) && typeof value === 'number' && Number.isFinite(value));
    }
  }
  const axes: ParamAxis[] = [];
  for (const [name, seen] of values) {
    const type = searchSpaceType(searchSpace, name);
    const searched = type !== undefined && type !== '' ? true : seen.size > 1;
    if (!searched || seen.size < 2) continue;
    // A choice of numbers (lr: [1e-3, 3e-3, 1e-2]) is still a number line: keep its scale (and the log rule).
    const isNumeric = numeric.get(name) === true;
    const log = isNumeric && (type === 'loguniform' || LEARNING_RATE.test(name)) && allPositive(points, name);
    const categories = isNumeric ? [] : [...seen].map((json) => displayCategory(JSON.parse(json) as unknown)).sort(naturalCompare);
    axes.push({ name, kind: isNumeric ? 'numeric' : 'categorical', log, categories });
  }
  return axes.sort((a, b) => Number(LEARNING_RATE.test(b.name)) - Number(LEARNING_RATE.test(a.name)) || a.name.localeCompare(b.name));
}

function allPositive(points: readonly Point[], name: string): boolean {
  return points.every((point) => {
    const value = point.config[name];
    return typeof value !== 'number' || value > 0;
  });
}

export function displayCategory(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function naturalCompare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}

export interface ParamPoint {
  x: number;
  valBpb: number;
  index: number;
  label: string;
  simulated: boolean;
}

/** Points for one hyperparameter; categorical values are spread a little around their slot. */
export function paramPoints(points: readonly Point[], axis: ParamAxis): ParamPoint[] {
  const slots = new Map(axis.categories.map((category, i) => [category, i]));
  const out: ParamPoint[] = [];
  for (const point of points) {
    const value = point.config[axis.name];
    if (value === undefined) continue;
    if (axis.kind === 'numeric') {
      if (typeof value !== 'number' || (axis.log && value <= 0)) continue;
      out.push({ x: value, valBpb: point.valBpb, index: point.index, label: String(value), simulated: point.simulated });
    } else {
      const label = displayCategory(value);
      const slot = slots.get(label);
      if (slot === undefined) continue;
      out.push({ x: slot + jitter(point.index), valBpb: point.valBpb, index: point.index, label, simulated: point.simulated });
    }
  }
  return out;
}

/** A deterministic offset in [-0.25, 0.25] so equal categories do not hide each other. */
function jitter(index: number): number {
  const h = Math.sin(index * 12.9898) * 43758.5453;
  return (h - Math.floor(h) - 0.5) / 2;
}

/** Ticks for a log axis: 1, 2 and 5 times powers of ten inside [min, max], plus the ends if sparse. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > 0) || max < min) return [];
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)); exponent <= Math.ceil(Math.log10(max)); exponent += 1) {
    for (const mantissa of [1, 2, 5]) {
      const value = Number((mantissa * 10 ** exponent).toPrecision(6));
      if (value >= min && value <= max) ticks.push(value);
    }
  }
  if (ticks.length < 3) return [...new Set([min, ...ticks, max])].sort((a, b) => a - b);
  return ticks;
}

/** What a task contributes to the compute a campaign has spent. */
export interface ComputeSource {
  id: string;
  status: string;
  finishedAt?: string | null;
  progress?: { elapsedS?: number | null } | null;
  result?: { wallS?: number | null } | null;
}

/**
 * Compute spent when each finished task finished: the running sum, in finish order, of the
 * task-seconds of every finished task (a result's wall time; a failed task's last reported
 * elapsed time), so the best-so-far line can be read against what it cost.
 */
export function computeSpent(tasks: readonly ComputeSource[]): Map<string, number> {
  const finished = tasks
    .filter((task) => (task.status === 'SUCCEEDED' || task.status === 'FAILED') && task.finishedAt)
    .map((task) => ({ id: task.id, at: Date.parse(task.finishedAt!), seconds: task.result?.wallS ?? task.progress?.elapsedS ?? 0 }))
    .sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
  const spent = new Map<string, number>();
  let total = 0;
  for (const task of finished) {
    total += Number.isFinite(task.seconds) ? task.seconds : 0;
    spent.set(task.id, total);
  }
  return spent;
}

/** The points placed by compute spent instead of finish time (in `finishedAt`), those without a figure left out. */
export function byComputeSpent(points: readonly Point[], spent: ReadonlyMap<string, number>): Point[] {
  const out: Point[] = [];
  for (const point of points) {
    const at = spent.get(point.taskId);
    if (at !== undefined) out.push({ ...point, finishedAt: at });
  }
  return out.sort(byFinish);
}
