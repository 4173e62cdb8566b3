// The strategies a campaign can run, by name. Every one implements the pure Strategy contract.
import { ashaStrategy } from './asha.ts';
import { localStrategy } from './local.ts';
import { gridStrategy, randomStrategy } from './simple.ts';
import { tpeStrategy } from './tpe.ts';
import type { Strategy } from './strategy.ts';

export { ASHA_DEFAULTS, rungOf } from './asha.ts';
export { LOCAL_DEFAULTS, markAgainstParent } from './local.ts';
export { TPE_DEFAULTS } from './tpe.ts';
export type { Observation, Proposal, Strategy, StrategyContext, TaskConfig } from './strategy.ts';

export const STRATEGY_NAMES = ['random', 'grid', 'tpe', 'asha', 'local'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function createStrategy(name: StrategyName): Strategy {
  switch (name) {
    case 'random':
      return randomStrategy;
    case 'grid':
      return gridStrategy;
    case 'tpe':
      return tpeStrategy;
    case 'asha':
      return ashaStrategy;
    case 'local':
      return localStrategy;
  }
}
