// Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
// Tuning", 2018/2020, Algorithm 2). Rung k runs with budgetScale eta^k (k = 0 .. rungs-1). Each
// time a worker needs a task: scan rungs from the top but one down to 0 and promote the best config
// of rung k that is in the top floor(n_k / eta) of the n_k results in that rung and not promoted
// yet (re-run with the same config and seed at eta times the budget; no checkpoints); otherwise
// start a new random config at rung 0. Nothing ever waits for a rung to fill.
import { configKey, positiveInt, proposeInTurn, randomDraw } from './common.ts';
import type { Observation, Proposal, Strategy, StrategyContext } from './strategy.ts';

export const ASHA_DEFAULTS = { eta: 3, rungs: 3 };

interface AshaOptions {
  eta: number;
  rungs: number;
}

function readOptions(options: Record<string, unknown>): AshaOptions {
  const eta = positiveInt(options.eta, ASHA_DEFAULTS.eta, 'eta');
  if (eta < 2) throw new Error(`strategy option eta must be at least 2, got ${eta}`);
  return { eta, rungs: positiveInt(options.rungs, ASHA_DEFAULTS.rungs, 'rungs') };
}

/** The rung a task ran at, from its budget multiplier (eta^rung). */
export function rungOf(budgetScale: number, eta: number): number {
  return Math.max(0, Math.round(Math.log(budgetScale) / Math.log(eta)));
}

function identity(o: Observation): string {
  return `${o.seed}:${configKey(o.config)}`;
}

interface Promotion {
  parent: Observation;
  rung: number;
  rank: number;
  finished: number;
}

/** The promotion ASHA makes now, or null when no rung has an unpromoted config in its top 1/eta. */
export function findPromotion(history: readonly Observation[], options: AshaOptions): Promotion | null {
  for (let rung = options.rungs - 2; rung >= 0; rung--) {
    const atRung = history.filter((o) => rungOf(o.budgetScale, options.eta) === rung);
    // Failed runs count in the rung (they were tried) but rank last, so they are never promoted.
    const finished = atRung.filter((o) => o.state !== 'running');
    const top = Math.floor(finished.length / options.eta);
    if (top === 0) continue;
    const ranked = finished
      .map((o, index) => ({ o, index }))
      .filter(({ o }) => o.state === 'completed' && typeof o.value === 'number' && Number.isFinite(o.value))
      .sort((a, b) => a.o.value! - b.o.value! || a.index - b.index);
    const promoted = new Set(
      history.filter((o) => rungOf(o.budgetScale, options.eta) === rung + 1).map(identity),
    );
    for (let rank = 0; rank < Math.min(top, ranked.length); rank++) {
      const candidate = ranked[rank]!.o;
      if (!promoted.has(identity(candidate))) return { parent: candidate, rung, rank: rank + 1, finished: finished.length };
    }
  }
  return null;
}

function proposeOne(context: StrategyContext, history: readonly Observation[], options: AshaOptions): Proposal {
  const promotion = findPromotion(history, options);
  if (promotion) {
    const { parent, rung, rank, finished } = promotion;
    const budgetScale = options.eta ** (rung + 1);
    return {
      config: parent.config,
      seed: parent.seed,
      budgetScale,
      description:
        `ASHA: promote to rung ${rung + 1} (budget x${budgetScale}): #${rank} of ${finished} at rung ${rung}, ` +
        `top 1/${options.eta}`,
      parentTaskId: parent.taskId,
      derivedFrom: { strategy: 'asha', action: 'promote', fromRung: rung, toRung: rung + 1, rank, rungResults: finished, parentValue: parent.value },
    };
  }
  const newConfigs = history.filter((o) => rungOf(o.budgetScale, options.eta) === 0).length;
  const draw = randomDraw(context.space, context.seed, newConfigs);
  return {
    config: draw.config,
    seed: draw.seed,
    budgetScale: 1,
    description: `ASHA: new random config #${newConfigs + 1} at rung 0 (nothing to promote)`,
    parentTaskId: null,
    derivedFrom: { strategy: 'asha', action: 'new', rung: 0, draw: newConfigs, campaignSeed: context.seed },
  };
}

export const ashaStrategy: Strategy = {
  name: 'asha',
  propose(context, history, count) {
    const options = readOptions(context.options);
    return proposeInTurn(context, history, count, (working) => proposeOne(context, working, options));
  },
};
