import { describe, expect, it } from 'vitest';
import { sampleTasks } from '../../src/modules/campaigns/sampler.ts';
import { parseSearchSpace, type SearchSpace } from '../../src/modules/campaigns/search-space.ts';
import { createStrategy, STRATEGY_NAMES } from '../../src/modules/search/index.ts';
import type { Observation, StrategyContext } from '../../src/modules/search/strategy.ts';

function space(input: unknown): SearchSpace {
  const result = parseSearchSpace(input);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.space;
}

const SPACE = space({
  lr: { type: 'loguniform', low: 0.0003, high: 0.003, points: 3 },
  schedule: { type: 'choice', values: ['cosine', 'linear'] },
  n_layer: { type: 'int', low: 1, high: 2 },
});

function context(taskBudget = 20): StrategyContext {
  return { space: SPACE, seed: 7, taskBudget, options: {} };
}

function running(config: Record<string, number | string | boolean | null>, index: number): Observation {
  return { taskId: `t${index}`, config, seed: index, budgetScale: 1, state: 'running', value: null };
}

describe('random and grid strategies', () => {
  it('name all five strategies', () => {
    expect(STRATEGY_NAMES).toEqual(['random', 'grid', 'tpe', 'asha', 'local']);
  });

  for (const name of ['random', 'grid'] as const) {
    it(`${name}: proposing in pieces gives the fixed batch the sampler draws`, () => {
      const strategy = createStrategy(name);
      const batch = sampleTasks(SPACE, name, 12, 7);
      const history: Observation[] = [];
      for (const count of [5, 4, 3]) {
        for (const proposal of strategy.propose(context(), history, count)) {
          history.push(running(proposal.config, history.length));
          expect(proposal.derivedFrom).toMatchObject({ strategy: name });
          expect(proposal.description).not.toBe('');
        }
      }
      expect(history.map((h) => h.config)).toEqual(batch.map((t) => t.config));
      expect(JSON.stringify(Object.keys(history[0]!.config))).toBe(JSON.stringify(['lr', 'n_layer', 'schedule']));
    });

    it(`${name}: never proposes past the task budget`, () => {
      const strategy = createStrategy(name);
      const history = Array.from({ length: 18 }, (_, i) => running({}, i));
      expect(strategy.propose(context(20), history, 10)).toHaveLength(2);
      expect(strategy.propose(context(18), history, 10)).toHaveLength(0);
    });
  }
});

describe('grid strategy on a space it cannot grid', () => {
  it('names the parameter that needs points', () => {
    const continuous = space({ lr: { type: 'uniform', low: 0, high: 1 } });
    expect(() => createStrategy('grid').propose({ space: continuous, seed: 1, taskBudget: 5, options: {} }, [], 1)).toThrow(
      /searchSpace\.lr\.points/,
    );
  });
});
