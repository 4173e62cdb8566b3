// Multivariate TPE (Bergstra et al. 2011; the multivariate form of Falkner et al. 2018 as Optuna
// runs it) with a constant liar. Completed tasks are split at the gamma quantile into "good" (l)
// and "bad" (g); tasks still running, and failed ones, join the bad side, so parallel proposals
// spread out instead of piling onto one point. Each proposal is the best of `candidates` draws from
// l by log l(x) - log g(x). Until `startupTasks` results are in, it proposes random draws.
import { roundFloat } from '../campaigns/sampler.ts';
import type { Parameter, Scalar, SearchSpace } from '../campaigns/search-space.ts';
import { constants, drawTaskSeed, positiveInt, prngAt, proposeInTurn, randomDraw, searchedNames } from './common.ts';
import { observationWeights, ParzenEstimator, type Dimension } from './parzen.ts';
import type { Observation, Proposal, Strategy, StrategyContext, TaskConfig } from './strategy.ts';

export const TPE_DEFAULTS = { startupTasks: 10, candidates: 24, gamma: 0.1, maxGood: 25, priorWeight: 1 };

interface TpeOptions {
  startupTasks: number;
  candidates: number;
  gamma: number;
  priorWeight: number;
}

function readOptions(options: Record<string, unknown>): TpeOptions {
  const gamma = options.gamma ?? TPE_DEFAULTS.gamma;
  if (typeof gamma !== 'number' || !(gamma > 0 && gamma < 1)) {
    throw new Error(`strategy option gamma must be a number in (0, 1), got ${JSON.stringify(options.gamma)}`);
  }
  const priorWeight = options.priorWeight ?? TPE_DEFAULTS.priorWeight;
  if (typeof priorWeight !== 'number' || !(priorWeight > 0)) {
    throw new Error(`strategy option priorWeight must be a positive number, got ${JSON.stringify(options.priorWeight)}`);
  }
  return {
    startupTasks: positiveInt(options.startupTasks, TPE_DEFAULTS.startupTasks, 'startupTasks'),
    candidates: positiveInt(options.candidates, TPE_DEFAULTS.candidates, 'candidates'),
    gamma,
    priorWeight,
  };
}

function dimension(param: Parameter): Dimension {
  switch (param.type) {
    case 'choice':
      return { kind: 'categorical', size: param.values.length };
    case 'int':
      return { kind: 'numeric', low: param.low, high: param.high, step: param.step };
    case 'uniform':
      return { kind: 'numeric', low: param.low, high: param.high, step: null };
    case 'loguniform':
      return { kind: 'numeric', low: Math.log(param.low), high: Math.log(param.high), step: null };
    case 'constant':
      throw new Error('constants are not searched');
  }
}

/** The internal coordinate of a config value, or null when it does not belong to the space. */
function toInternal(param: Parameter, value: Scalar | undefined): number | null {
  if (value === undefined) return null;
  if (param.type === 'choice') {
    const index = param.values.findIndex((v) => v === value);
    return index < 0 ? null : index;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (param.type === 'constant') return null;
  if (value < param.low || value > param.high) return null;
  return param.type === 'loguniform' ? Math.log(value) : value;
}

function toExternal(param: Parameter, x: number): Scalar {
  switch (param.type) {
    case 'choice':
      return param.values[x] ?? null;
    case 'int': {
      const steps = Math.round((x - param.low) / param.step);
      const top = Math.floor((param.high - param.low) / param.step);
      return param.low + Math.min(top, Math.max(0, steps)) * param.step;
    }
    case 'uniform':
      return Math.min(param.high, Math.max(param.low, roundFloat(x)));
    case 'loguniform':
      return Math.min(param.high, Math.max(param.low, roundFloat(Math.exp(x))));
    case 'constant':
      return param.value;
  }
}

function internalRow(space: SearchSpace, names: string[], config: TaskConfig): number[] | null {
  const row: number[] = [];
  for (const name of names) {
    const x = toInternal(space.params[name]!, config[name]);
    if (x === null) return null;
    row.push(x);
  }
  return row;
}

function estimator(space: SearchSpace, names: string[], group: Observation[], priorWeight: number): ParzenEstimator {
  const rows = group.map((o) => internalRow(space, names, o.config)).filter((row): row is number[] => row !== null);
  return new ParzenEstimator(
    names.map((name) => dimension(space.params[name]!)),
    rows,
    observationWeights(rows.length),
    priorWeight,
  );
}

function isResult(o: Observation): o is Observation & { value: number } {
  return o.state === 'completed' && typeof o.value === 'number' && Number.isFinite(o.value);
}

function proposeOne(context: StrategyContext, history: readonly Observation[], options: TpeOptions): Proposal {
  const { space, seed } = context;
  const position = history.length;
  const results = history.filter(isResult);
  if (results.length < options.startupTasks) {
    const draw = randomDraw(space, seed, position);
    return {
      config: draw.config,
      seed: draw.seed,
      budgetScale: 1,
      description: `TPE start-up: random draw (${results.length}/${options.startupTasks} results in)`,
      parentTaskId: null,
      derivedFrom: { strategy: 'tpe', phase: 'startup', position, results: results.length, campaignSeed: seed },
    };
  }

  // Split the results at the gamma quantile (stable: ties keep arrival order).
  const ranked = results.map((o, index) => ({ o, index })).sort((a, b) => a.o.value - b.o.value || a.index - b.index);
  const goodCount = Math.min(Math.ceil(options.gamma * results.length), TPE_DEFAULTS.maxGood);
  const goodIds = new Set(ranked.slice(0, goodCount).map((r) => r.o.taskId));
  // Chronological order inside each group, so the weights favour recent observations.
  const good = history.filter((o) => isResult(o) && goodIds.has(o.taskId));
  const bad = history.filter((o) => !(isResult(o) && goodIds.has(o.taskId)));
  const liars = history.filter((o) => o.state === 'running').length;

  const names = searchedNames(space);
  const rng = prngAt(seed, position);
  const taskSeed = drawTaskSeed(rng);
  const config: TaskConfig = constants(space);
  let score = 0;
  if (names.length > 0) {
    const l = estimator(space, names, good, options.priorWeight);
    const g = estimator(space, names, bad, options.priorWeight);
    let best: TaskConfig | null = null;
    score = -Infinity;
    for (const point of l.sample(rng, options.candidates)) {
      const candidate: TaskConfig = {};
      names.forEach((name, d) => (candidate[name] = toExternal(space.params[name]!, point[d]!)));
      // Score the value that will actually run (after rounding to the space's grid/precision).
      const row = internalRow(space, names, candidate)!;
      const candidateScore = l.logPdf(row) - g.logPdf(row);
      if (best === null || candidateScore > score) {
        best = candidate;
        score = candidateScore;
      }
    }
    Object.assign(config, best);
  }
  const sorted: TaskConfig = {};
  for (const name of space.names) sorted[name] = config[name] ?? null;
  return {
    config: sorted,
    seed: taskSeed,
    budgetScale: 1,
    description:
      `TPE: best of ${options.candidates} draws from the ${good.length} best of ${results.length} results ` +
      `(log l/g = ${score.toFixed(2)}${liars ? `, ${liars} running counted as bad` : ''})`,
    parentTaskId: null,
    derivedFrom: {
      strategy: 'tpe',
      phase: 'model',
      position,
      campaignSeed: seed,
      results: results.length,
      good: good.map((o) => o.taskId),
      running: liars,
      failed: history.filter((o) => o.state === 'failed').length,
      logRatio: Number(score.toFixed(4)),
    },
  };
}

export const tpeStrategy: Strategy = {
  name: 'tpe',
  propose(context, history, count) {
    const options = readOptions(context.options);
    return proposeInTurn(context, history, count, (working) => proposeOne(context, working, options));
  },
};
