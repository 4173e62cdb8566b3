// Helpers every strategy shares: canonical config keys, per-position randomness, random draws.
import { Prng } from '../campaigns/prng.ts';
import { canonical, sampleTasks } from '../campaigns/sampler.ts';
import type { SearchSpace } from '../campaigns/search-space.ts';
import type { Observation, Proposal, StrategyContext, TaskConfig } from './strategy.ts';

/** The identity of a config: canonical JSON (sorted keys, floats already rounded). */
export function configKey(config: TaskConfig): string {
  return JSON.stringify(canonical(config));
}

/** A generator for the proposal at `position` of a campaign: same (seed, position), same stream. */
export function prngAt(seed: number, position: number, salt = 0): Prng {
  let h = (seed >>> 0) ^ Math.imul(position + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return new Prng((h ^ (h >>> 16)) >>> 0);
}

/** A training seed as the sampler draws them: a non-negative 31-bit integer. */
export function drawTaskSeed(rng: Prng): number {
  return rng.nextUint32() >>> 1;
}

/**
 * The `index`-th random draw of a campaign: the same config and seed the `random` strategy gives
 * its `index`-th task, so adaptive strategies start from exactly what random search would try.
 */
export function randomDraw(space: SearchSpace, seed: number, index: number): { config: TaskConfig; seed: number } {
  const task = sampleTasks(space, 'random', index + 1, seed)[index]!;
  return { config: task.config, seed: task.seed };
}

/** Names of the parameters a strategy searches over (constants are only copied). */
export function searchedNames(space: SearchSpace): string[] {
  return space.names.filter((name) => space.params[name]!.type !== 'constant');
}

/** Constant parameters of the space, to copy into every proposal. */
export function constants(space: SearchSpace): TaskConfig {
  const out: TaskConfig = {};
  for (const name of space.names) {
    const param = space.params[name]!;
    if (param.type === 'constant') out[name] = param.value;
  }
  return out;
}

/** A working copy of the history with this call's earlier proposals added as still running. */
export function pendingObservation(config: TaskConfig, seed: number, budgetScale: number, n: number): Observation {
  return { taskId: `pending-${n}`, config, seed, budgetScale, state: 'running', value: null };
}

/**
 * Up to `count` proposals (within the task budget), one at a time: each sees the ones before it
 * as running (the constant liar inside one call), so 3 at once = 1 at a time with the others running.
 */
export function proposeInTurn(
  context: StrategyContext,
  history: readonly Observation[],
  count: number,
  proposeOne: (working: readonly Observation[]) => Proposal,
): Proposal[] {
  const working = [...history];
  const proposals: Proposal[] = [];
  const wanted = Math.max(0, Math.min(count, context.taskBudget - history.length));
  for (let i = 0; i < wanted; i++) {
    const proposal = proposeOne(working);
    proposals.push(proposal);
    working.push(pendingObservation(proposal.config, proposal.seed, proposal.budgetScale, i));
  }
  return proposals;
}

export function positiveInt(value: unknown, fallback: number, name: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`strategy option ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}
