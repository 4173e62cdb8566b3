// The strategies a campaign can run, by name. Every one implements the pure Strategy contract.
import { gridStrategy, randomStrategy } from './simple.ts';
import type { Strategy } from './strategy.ts';

export type { Observation, Proposal, Strategy, StrategyContext, TaskConfig } from './strategy.ts';

export const STRATEGY_NAMES = ['random', 'grid', 'tpe', 'asha', 'local'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

function notImplemented(name: StrategyName): Strategy {
  return {
    name,
    propose() {
      throw new Error(`search strategy "${name}" is not implemented yet`);
    },
  };
}

export function createStrategy(name: StrategyName): Strategy {
  switch (name) {
    case 'random':
      return randomStrategy;
    case 'grid':
      return gridStrategy;
    case 'tpe':
    case 'asha':
    case 'local':
      return notImplemented(name);
  }
}
