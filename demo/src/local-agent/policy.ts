// The reference agent's policy: autoresearch's loop. Start from a baseline, change one parameter
// at a time around the best result so far, keep it if it is better (it becomes the new centre),
// discard it otherwise. Pure: the same search space and results give the same proposals. An
// integrator replaces this object (an LLM reading the results table, say) and keeps the loop.

export type Scalar = string | number | boolean | null;
export type Config = Record<string, Scalar>;

/** What the loop knows: the finished results so far and the configs already proposed. */
export interface AgentState {
  best: { taskId: string; config: Config; valBpb: number } | null;
  tried: ReadonlySet<string>;
}

export interface Experiment {
  config: Config;
  description: string;
  parentTaskId: string | null;
}

/** Anything that can decide what to try next. */
export interface AgentPolicy {
  /** The first experiment (no result yet). */
  baseline(): Experiment;
  /** Up to `count` experiments around the current best; [] when it has nothing left to try. */
  next(state: AgentState, count: number): Experiment[];
}

type Parameter =
  | { type: 'choice'; values: Scalar[] }
  | { type: 'uniform' | 'loguniform'; low: number; high: number }
  | { type: 'int'; low: number; high: number; step?: number };

export function configKey(config: Config): string {
  return JSON.stringify(Object.fromEntries(Object.keys(config).sort().map((key) => [key, config[key]])));
}

const round = (value: number) => Number(value.toPrecision(4));

function midpoint(param: Parameter): Scalar {
  switch (param.type) {
    case 'choice':
      return param.values[0] ?? null;
    case 'int': {
      const step = param.step ?? 1;
      return param.low + Math.floor((param.high - param.low) / step / 2) * step;
    }
    case 'uniform':
      return round((param.low + param.high) / 2);
    case 'loguniform':
      return round(Math.sqrt(param.low * param.high));
  }
}

/** The nearest moves of one parameter from `value`, with a few words saying what each is. */
function moves(name: string, param: Parameter, value: Scalar): { value: Scalar; what: string }[] {
  switch (param.type) {
    case 'choice':
      return param.values.filter((other) => other !== value).map((other) => ({ value: other, what: `${name} ${String(value)} → ${String(other)}` }));
    case 'int': {
      const step = param.step ?? 1;
      const current = Number(value);
      return [current + step, current - step]
        .filter((next) => next >= param.low && next <= param.high)
        .map((next) => ({ value: next, what: `${name} ${current} → ${next}` }));
    }
    case 'loguniform': {
      const current = Number(value);
      return [current * 2, current / 2]
        .map((next) => round(Math.min(param.high, Math.max(param.low, next))))
        .filter((next) => next !== current)
        .map((next) => ({ value: next, what: `${name} ${current} → ${next} (${next > current ? '×2' : '÷2'})` }));
    }
    case 'uniform': {
      const current = Number(value);
      const stride = (param.high - param.low) / 10;
      return [current + stride, current - stride]
        .map((next) => round(Math.min(param.high, Math.max(param.low, next))))
        .filter((next) => next !== current)
        .map((next) => ({ value: next, what: `${name} ${current} → ${next}` }));
    }
  }
}

/**
 * The local policy over a search space as a brief writes it (constants as plain values). The
 * baseline takes `baseline`'s values and the middle of every other range.
 */
export function localPolicy(searchSpace: Record<string, unknown>, baseline: Config = {}): AgentPolicy {
  const names = Object.keys(searchSpace).sort();
  const params = new Map<string, Parameter>();
  const start: Config = {};
  for (const name of names) {
    const spec = searchSpace[name];
    if (spec !== null && typeof spec === 'object' && !Array.isArray(spec) && 'type' in spec) {
      params.set(name, spec as Parameter);
      start[name] = name in baseline ? baseline[name]! : midpoint(spec as Parameter);
    } else {
      start[name] = spec as Scalar;
    }
  }
  return {
    baseline: () => ({ config: start, description: 'baseline', parentTaskId: null }),
    next(state, count) {
      if (!state.best) return [];
      const centre = state.best;
      const proposals: Experiment[] = [];
      const planned = new Set(state.tried);
      for (const [name, param] of params) {
        for (const move of moves(name, param, centre.config[name] ?? null)) {
          if (proposals.length >= count) return proposals;
          const config = { ...centre.config, [name]: move.value };
          const key = configKey(config);
          if (planned.has(key)) continue;
          planned.add(key);
          proposals.push({ config, description: `${move.what} around the best (${centre.valBpb.toFixed(4)})`, parentTaskId: centre.taskId });
        }
      }
      return proposals;
    },
  };
}
