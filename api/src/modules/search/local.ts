// Autoresearch's loop as an algorithm: start from a baseline config, change one parameter at a
// time around the current best, keep the change if the result is better, discard it otherwise.
// The "current best" is the best completed result so far (the baseline until one is in), so
// keep/discard is a fold over results in arrival order. Neighbours are tried in a fixed order:
// nearest moves of every parameter first (up before down, parameters in name order), then farther
// choice values. With the neighbourhood exhausted and nothing running, it restarts from random
// draws until one beats the best. At most `parallel` tasks (default 1) are in flight, so it may
// propose nothing while it waits for its candidate's result.
import { gridValues, roundFloat } from '../campaigns/sampler.ts';
import type { Parameter, Scalar, SearchSpace } from '../campaigns/search-space.ts';
import { configKey, drawTaskSeed, pendingObservation, positiveInt, prngAt, randomDraw, searchedNames } from './common.ts';
import type { Observation, Proposal, Strategy, StrategyContext, TaskConfig } from './strategy.ts';

export const LOCAL_DEFAULTS = { parallel: 1, logFactor: 2, uniformStep: 0.1, restartAttempts: 1000 };

/** The middle of a parameter's range: the middle grid value where it has one. */
function midpoint(param: Parameter): Scalar {
  switch (param.type) {
    case 'constant':
      return param.value;
    case 'choice':
      return param.values[Math.floor((param.values.length - 1) / 2)] ?? null;
    case 'int': {
      const count = Math.floor((param.high - param.low) / param.step) + 1;
      return param.low + Math.floor((count - 1) / 2) * param.step;
    }
    case 'uniform':
    case 'loguniform': {
      if (param.points !== null) {
        const values = gridValues(param) as number[];
        return values[Math.floor((values.length - 1) / 2)]!;
      }
      return roundFloat(param.type === 'uniform' ? (param.low + param.high) / 2 : Math.sqrt(param.low * param.high));
    }
  }
}

/** The baseline: options.baseline's values over the space's midpoints, in canonical key order. */
export function baselineConfig(space: SearchSpace, baseline: unknown): TaskConfig {
  if (baseline !== undefined && (typeof baseline !== 'object' || baseline === null || Array.isArray(baseline))) {
    throw new Error('strategy option baseline must be an object of parameter values');
  }
  const given = (baseline ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!space.params[key]) throw new Error(`strategy option baseline names "${key}", which is not in the search space`);
  }
  const config: TaskConfig = {};
  for (const name of space.names) config[name] = name in given ? (given[name] as Scalar) : midpoint(space.params[name]!);
  return config;
}

interface Move {
  name: string;
  to: Scalar;
  distance: number;
}

/** One-parameter moves from `value`, nearest first, up before down. */
function moves(name: string, param: Parameter, value: Scalar): Move[] {
  const out: Move[] = [];
  const ordered = (values: Scalar[]) => {
    const index = values.findIndex((v) => v === value);
    if (index < 0) return values.map((to, i) => ({ name, to, distance: i + 1 }));
    for (let d = 1; d < values.length; d++) {
      if (index + d < values.length) out.push({ name, to: values[index + d]!, distance: d });
      if (index - d >= 0) out.push({ name, to: values[index - d]!, distance: d });
    }
    return out;
  };
  switch (param.type) {
    case 'constant':
      return [];
    case 'choice':
      return ordered(param.values);
    case 'int':
    case 'uniform':
    case 'loguniform': {
      if (typeof value !== 'number') return [];
      const grid = param.type === 'int' || param.points !== null ? (gridValues(param) as number[]) : null;
      if (grid) {
        // Nearest grid values strictly above and below (works for values off the grid too).
        const above = grid.find((v) => v > value);
        const below = [...grid].reverse().find((v) => v < value);
        if (above !== undefined) out.push({ name, to: above, distance: 1 });
        if (below !== undefined) out.push({ name, to: below, distance: 1 });
        return out;
      }
      const clamp = (v: number) => Math.min(param.high, Math.max(param.low, roundFloat(v)));
      const step = (param.high - param.low) * LOCAL_DEFAULTS.uniformStep;
      const up = clamp(param.type === 'loguniform' ? value * LOCAL_DEFAULTS.logFactor : value + step);
      const down = clamp(param.type === 'loguniform' ? value / LOCAL_DEFAULTS.logFactor : value - step);
      if (up !== value) out.push({ name, to: up, distance: 1 });
      if (down !== value) out.push({ name, to: down, distance: 1 });
      return out;
    }
  }
}

/** Every one-parameter change of `centre`, in the order the loop tries them. */
export function neighbourMoves(space: SearchSpace, centre: TaskConfig): Move[] {
  const all = searchedNames(space).flatMap((name, order) =>
    moves(name, space.params[name]!, centre[name] ?? null).map((move, k) => ({ move, order, k })),
  );
  all.sort((a, b) => a.move.distance - b.move.distance || a.order - b.order || a.k - b.k);
  return all.map((entry) => entry.move);
}

function isResult(o: Observation): o is Observation & { value: number } {
  return o.state === 'completed' && typeof o.value === 'number' && Number.isFinite(o.value);
}

/** The best completed result so far (the earliest one on a tie), or null. */
export function currentBest(history: readonly Observation[]): (Observation & { value: number }) | null {
  let best: (Observation & { value: number }) | null = null;
  for (const o of history) if (isResult(o) && (best === null || o.value < best.value)) best = o;
  return best;
}

/** Autoresearch's mark for a result against the task it was derived from. */
export function markAgainstParent(parent: Observation | null, child: Observation): 'keep' | 'discard' | 'crash' | null {
  if (child.state === 'failed') return 'crash';
  if (child.state !== 'completed' || child.value === null) return null;
  if (!parent) return 'keep';
  if (parent.state !== 'completed' || parent.value === null) return null;
  return child.value < parent.value ? 'keep' : 'discard';
}

function format(value: Scalar): string {
  return typeof value === 'string' ? value : String(value);
}

export const localStrategy: Strategy = {
  name: 'local',
  propose(context: StrategyContext, history: readonly Observation[], count: number): Proposal[] {
    const { space, seed } = context;
    const parallel = positiveInt(context.options.parallel, LOCAL_DEFAULTS.parallel, 'parallel');
    const baseline = baselineConfig(space, context.options.baseline);
    const working = [...history];
    const tried = new Set(history.map((o) => configKey(o.config)));
    const running = history.filter((o) => o.state === 'running').length;
    const wanted = Math.max(0, Math.min(count, parallel - running, context.taskBudget - history.length));
    const best = currentBest(history);
    const baselineTask = history.find((o) => configKey(o.config) === configKey(baseline)) ?? null;
    const centre = best ? best.config : baseline;
    const centreTask = best ?? baselineTask;
    const proposals: Proposal[] = [];
    const push = (proposal: Omit<Proposal, 'seed' | 'budgetScale'>) => {
      const position = working.length;
      const full: Proposal = { ...proposal, seed: drawTaskSeed(prngAt(seed, position)), budgetScale: 1 };
      proposals.push(full);
      tried.add(configKey(full.config));
      working.push(pendingObservation(full.config, full.seed, 1, proposals.length));
    };
    const queue = neighbourMoves(space, centre);
    let next = 0;
    let proposedNeighbour = false;

    while (proposals.length < wanted) {
      if (!tried.has(configKey(baseline))) {
        push({
          config: baseline,
          description: 'local: the baseline',
          parentTaskId: null,
          derivedFrom: { strategy: 'local', action: 'baseline' },
        });
        continue;
      }
      let move: Move | undefined;
      let config: TaskConfig | null = null;
      while (next < queue.length) {
        move = queue[next++]!;
        const candidate = { ...centre, [move.name]: move.to };
        if (!tried.has(configKey(candidate))) {
          config = candidate;
          break;
        }
      }
      if (config && move) {
        proposedNeighbour = true;
        const from = centre[move.name] ?? null;
        const around = centreTask?.value != null ? `the best (${centreTask.value.toFixed(4)})` : 'the baseline';
        push({
          config,
          description: `local: ${move.name} ${format(from)} -> ${format(move.to)} around ${around}`,
          parentTaskId: centreTask?.taskId ?? null,
          derivedFrom: { strategy: 'local', action: 'neighbour', change: { name: move.name, from, to: move.to }, centreValue: centreTask?.value ?? null },
        });
        continue;
      }
      // Neighbourhood exhausted: wait for what is running (it may move the centre), else restart
      // (as many random draws as there are free slots).
      if (running > 0 || proposedNeighbour) break;
      let restart: { config: TaskConfig } | null = null;
      for (let attempt = 0; attempt < LOCAL_DEFAULTS.restartAttempts && !restart; attempt++) {
        const draw = randomDraw(space, seed, working.length + attempt);
        if (!tried.has(configKey(draw.config))) restart = draw;
      }
      if (!restart) break; // everything reachable was tried
      push({
        config: restart.config,
        description: 'local: every one-parameter change of the best was tried; random restart',
        parentTaskId: centreTask?.taskId ?? null,
        derivedFrom: { strategy: 'local', action: 'restart', centreValue: centreTask?.value ?? null },
      });
    }
    return proposals;
  },
};
