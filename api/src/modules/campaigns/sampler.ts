// Turns a search space into concrete task configs. Same (space, strategy, count, seed) gives the
// same configs byte for byte: parameters are walked in sorted order and floats are rounded to
// 4 significant digits before they ever reach JSON.
import type { FieldError } from '../../errors.ts';
import type { SearchStrategy } from '../../db/entities/campaign.entity.ts';
import { Prng } from './prng.ts';
import type { Parameter, Scalar, SearchSpace } from './search-space.ts';

export type TaskConfig = Record<string, Scalar>;

export interface SampledTask {
  index: number;
  seed: number;
  config: TaskConfig;
}

export const SIGNIFICANT_DIGITS = 4;
export const MAX_GRID_SIZE = 1_000_000;

export function roundFloat(value: number): number {
  return Number(value.toPrecision(SIGNIFICANT_DIGITS));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function sampleParameter(param: Parameter, rng: Prng): Scalar {
  switch (param.type) {
    case 'constant':
      return param.value;
    case 'choice':
      return param.values[rng.nextBelow(param.values.length)] ?? null;
    case 'int': {
      const count = Math.floor((param.high - param.low) / param.step) + 1;
      return param.low + rng.nextBelow(count) * param.step;
    }
    case 'uniform':
      return clamp(roundFloat(param.low + rng.nextFloat() * (param.high - param.low)), param.low, param.high);
    case 'loguniform': {
      const logLow = Math.log(param.low);
      const value = Math.exp(logLow + rng.nextFloat() * (Math.log(param.high) - logLow));
      return clamp(roundFloat(value), param.low, param.high);
    }
  }
}

/** The values a grid walks for one parameter, or an error message when it has none. */
export function gridValues(param: Parameter): Scalar[] | string {
  switch (param.type) {
    case 'constant':
      return [param.value];
    case 'choice':
      return param.values;
    case 'int': {
      const values: number[] = [];
      for (let v = param.low; v <= param.high; v += param.step) values.push(v);
      return values;
    }
    case 'uniform':
    case 'loguniform': {
      const { points } = param;
      if (points === null) return 'grid search needs "points" (how many values to try) for a continuous parameter';
      const values: number[] = [];
      for (let k = 0; k < points; k++) {
        const fraction = k / (points - 1);
        const raw =
          param.type === 'uniform'
            ? param.low + fraction * (param.high - param.low)
            : Math.exp(Math.log(param.low) + fraction * (Math.log(param.high) - Math.log(param.low)));
        values.push(clamp(roundFloat(raw), param.low, param.high));
      }
      return values;
    }
  }
}

/** Grid size, or field errors when a parameter cannot be gridded or the product is too large. */
export function gridSize(space: SearchSpace, basePath: string[] = ['searchSpace']): { size: number } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  let size = 1;
  for (const name of space.names) {
    const values = gridValues(space.params[name]!);
    if (typeof values === 'string') errors.push({ path: [...basePath, name, 'points'], message: values });
    else size *= values.length;
  }
  if (errors.length) return { errors };
  if (size > MAX_GRID_SIZE) {
    return { errors: [{ path: basePath, message: `the grid has ${size} points; at most ${MAX_GRID_SIZE} are allowed` }] };
  }
  return { size };
}

/**
 * Samples `count` tasks. Random: independent draws per task. Grid: the cartesian product in
 * lexicographic order (last parameter fastest), wrapping around as replicates with new seeds
 * when there are more tasks than grid points. Each task also gets its own training seed.
 */
export function sampleTasks(space: SearchSpace, strategy: SearchStrategy, count: number, seed: number): SampledTask[] {
  const rng = new Prng(seed);
  const tasks: SampledTask[] = [];
  const grids = strategy === 'grid' ? space.names.map((name) => gridValues(space.params[name]!) as Scalar[]) : [];
  const gridTotal = grids.reduce((product, values) => product * values.length, 1);

  for (let index = 0; index < count; index++) {
    const taskSeed = rng.nextUint32() >>> 1;
    const config: TaskConfig = {};
    if (strategy === 'random') {
      for (const name of space.names) config[name] = sampleParameter(space.params[name]!, rng);
    } else {
      let position = index % gridTotal;
      for (let p = space.names.length - 1; p >= 0; p--) {
        const values = grids[p]!;
        config[space.names[p]!] = values[position % values.length] ?? null;
        position = Math.floor(position / values.length);
      }
    }
    tasks.push({ index, seed: taskSeed, config: canonical(config) });
  }
  return tasks;
}

/** Returns the same object with keys in sorted order, so JSON.stringify is canonical. */
export function canonical<T extends Record<string, unknown>>(object: T): T {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort()) sorted[key] = object[key];
  return sorted as T;
}
