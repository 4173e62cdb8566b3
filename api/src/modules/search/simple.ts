// `random` and `grid` as strategies. They ignore results: the n-th task of a campaign is the n-th
// task the fixed-batch sampler would have drawn, so a random or grid campaign run as a loop gives
// exactly the configs and seeds it gave as a batch drawn at submission.
import { gridSize, sampleTasks } from '../campaigns/sampler.ts';
import type { Observation, Proposal, Strategy, StrategyContext } from './strategy.ts';

function batchStrategy(name: 'random' | 'grid'): Strategy {
  return {
    name,
    propose(context: StrategyContext, history: readonly Observation[], count: number): Proposal[] {
      const start = history.length;
      const wanted = Math.max(0, Math.min(count, context.taskBudget - start));
      if (wanted === 0) return [];
      if (name === 'grid') {
        const size = gridSize(context.space);
        if ('errors' in size) throw new Error(`grid search: ${size.errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`);
      }
      const tasks = sampleTasks(context.space, name, start + wanted, context.seed).slice(start);
      return tasks.map((task) => ({
        config: task.config,
        seed: task.seed,
        budgetScale: 1,
        description: name === 'random' ? `random draw #${task.index + 1}` : `grid point #${task.index + 1}`,
        parentTaskId: null,
        derivedFrom: { strategy: name, index: task.index, campaignSeed: context.seed },
      }));
    },
  };
}

export const randomStrategy: Strategy = batchStrategy('random');
export const gridStrategy: Strategy = batchStrategy('grid');
