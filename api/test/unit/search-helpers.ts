// Shared by the search strategy tests: spaces, observations and a sequential campaign simulator.
import { parseSearchSpace, type SearchSpace } from '../../src/modules/campaigns/search-space.ts';
import type { Observation, Strategy, StrategyContext, TaskConfig } from '../../src/modules/search/strategy.ts';

export function space(input: unknown): SearchSpace {
  const result = parseSearchSpace(input);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.space;
}

export function context(s: SearchSpace, seed = 1, options: Record<string, unknown> = {}, taskBudget = 1000): StrategyContext {
  return { space: s, seed, taskBudget, options };
}

let nextId = 0;
export function observation(config: TaskConfig, value: number | null, extra: Partial<Observation> = {}): Observation {
  return {
    taskId: extra.taskId ?? `task-${nextId++}`,
    config,
    seed: extra.seed ?? 0,
    budgetScale: extra.budgetScale ?? 1,
    state: extra.state ?? (value === null ? 'running' : 'completed'),
    value,
  };
}

/** Runs a campaign one task at a time, each result arriving before the next proposal. */
export function simulate(
  strategy: Strategy,
  ctx: StrategyContext,
  objective: (config: TaskConfig, budgetScale: number) => number,
  tasks: number,
): Observation[] {
  const history: Observation[] = [];
  for (let i = 0; i < tasks; i++) {
    const [proposal] = strategy.propose(ctx, history, 1);
    if (!proposal) break;
    history.push({
      taskId: `t${i}`,
      config: proposal.config,
      seed: proposal.seed,
      budgetScale: proposal.budgetScale,
      state: 'completed',
      value: objective(proposal.config, proposal.budgetScale),
    });
  }
  return history;
}

export function bestValue(history: readonly Observation[]): number {
  return Math.min(...history.map((o) => o.value ?? Infinity));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
