// The campaign loop's pure parts: marks in arrival order, configs checked against a space,
// strategy options per strategy, ASHA's escrow scale, and the export's formats.
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/modules/campaigns/config-check.ts';
import { markResults } from '../../src/modules/campaigns/marks.ts';
import { formatResults, type ResultRow } from '../../src/modules/campaigns/results-export.ts';
import { parseSearchSpace } from '../../src/modules/campaigns/search-space.ts';
import { confirmErrors, maxBudgetScale, parseStrategyOptions, scaledBudget } from '../../src/modules/campaigns/strategy-options.ts';

const parsed = parseSearchSpace({
  lr: { type: 'loguniform', low: 0.001, high: 0.01 },
  layers: { type: 'int', low: 1, high: 7, step: 2 },
  act: { type: 'choice', values: ['relu', 'gelu'] },
  dropout: 0,
});
if (!parsed.ok) throw new Error('fixture space');
const space = parsed.space;

describe('markResults', () => {
  it('keeps the first result and whatever beats its reference; a result without a value crashed', () => {
    const decisions = markResults(
      [
        { id: 'a', parentTaskId: null, value: 2.5 },
        { id: 'b', parentTaskId: null, value: 2.5 },
        { id: 'c', parentTaskId: 'a', value: 2.45 },
        { id: 'd', parentTaskId: 'x', value: 2.4 },
        { id: 'e', parentTaskId: null, value: null },
        { id: 'f', parentTaskId: 'a', value: 2.6 },
      ],
      new Map([
        ['a', { id: 'a', value: 2.5 }],
        ['x', { id: 'x', value: null }],
      ]),
      null,
    );
    expect(decisions).toEqual([
      { id: 'a', mark: 'keep', againstTaskId: null },
      // Equal is not better.
      { id: 'b', mark: 'discard', againstTaskId: 'a' },
      { id: 'c', mark: 'keep', againstTaskId: 'a' },
      // A parent without a result: compared with the best so far instead.
      { id: 'd', mark: 'keep', againstTaskId: 'c' },
      { id: 'e', mark: 'crash', againstTaskId: null },
      { id: 'f', mark: 'discard', againstTaskId: 'a' },
    ]);
  });

  it('continues from the best result marked before', () => {
    expect(markResults([{ id: 'b', parentTaskId: null, value: 2.6 }], new Map(), { id: 'a', value: 2.5 })).toEqual([{ id: 'b', mark: 'discard', againstTaskId: 'a' }]);
  });
});

describe('checkConfig', () => {
  it('accepts a config in the space, fills constants in and sorts keys', () => {
    expect(checkConfig(space, { layers: 3, lr: 0.002, act: 'gelu' }, ['config'])).toEqual({ ok: true, config: { act: 'gelu', dropout: 0, layers: 3, lr: 0.002 } });
  });

  it('names every parameter out of range, off its step, unknown, missing or not a constant', () => {
    const result = checkConfig(space, { layers: 4, lr: 0.5, act: 'tanh', dropout: 0.1, extra: true }, ['c']);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((error) => error.path.join('.')).sort()).toEqual(['c.act', 'c.dropout', 'c.extra', 'c.layers', 'c.lr']);
    const missing = checkConfig(space, { act: 'relu' }, ['c']);
    expect(!missing.ok && missing.errors.map((error) => error.message)).toEqual(['is required: an integer from 1 to 7 in steps of 2', 'is required: a number from 0.001 to 0.01']);
    expect(checkConfig(space, { act: 'relu' }, ['c'], { partial: true }).ok).toBe(true);
    expect(checkConfig(space, [1], ['c']).ok).toBe(false);
  });
});

describe('strategy options', () => {
  it('fills defaults in and refuses unknown keys or values out of range', () => {
    expect(parseStrategyOptions('tpe', undefined, space)).toEqual({ ok: true, options: { startupTasks: 10 } });
    expect(parseStrategyOptions('asha', { maxInFlight: 4 }, space)).toEqual({ ok: true, options: { eta: 3, rungs: 3, maxInFlight: 4 } });
    expect(parseStrategyOptions('random', {}, space)).toEqual({ ok: true, options: {} });
    const bad = parseStrategyOptions('tpe', { gamma: 1.5, startupTasks: 0, typo: 1 }, space);
    expect(!bad.ok && bad.errors.map((error) => error.path.join('.')).sort()).toEqual(['strategyOptions', 'strategyOptions.gamma', 'strategyOptions.startupTasks']);
    const baseline = parseStrategyOptions('local', { baseline: { layers: 2 } }, space);
    expect(!baseline.ok && baseline.errors[0]!.path).toEqual(['strategyOptions', 'baseline', 'layers']);
  });

  it('reserves ASHA’s top rung: η^(rungs − 1) × the budget', () => {
    expect(maxBudgetScale('asha', { eta: 3, rungs: 3 })).toBe(9);
    expect(maxBudgetScale('asha', { eta: 2, rungs: 1 })).toBe(1);
    expect(maxBudgetScale('tpe', { eta: 3 })).toBe(1);
    expect(scaledBudget(5, 3)).toBe(15);
    expect(scaledBudget(1, 0.2)).toBe(1);
  });

  it('confirm must leave a task to explore', () => {
    expect(confirmErrors({ topK: 2, seeds: 3 }, 7)).toEqual([]);
    expect(confirmErrors({ topK: 2, seeds: 3 }, 6).map((error) => error.path)).toEqual([['confirm']]);
    expect(confirmErrors({ topK: 1.5, seeds: 21 }, 100).map((error) => error.path)).toEqual([['confirm', 'topK'], ['confirm', 'seeds']]);
    expect(confirmErrors(null, 1)).toEqual([]);
  });
});

describe('formatResults', () => {
  const row: ResultRow = {
    taskId: 't1',
    task: 1,
    parentTaskId: 't0',
    parent: 0,
    description: 'lr ×2, "hot"\tand fast',
    config: { lr: 0.002, act: 'relu' },
    seed: 9,
    budgetS: 15,
    budgetScale: 3,
    role: 'explore',
    valBpb: 2.5,
    status: 'succeeded',
    mark: 'keep',
    against: 0,
    simulated: false,
    finishedAt: new Date('2026-12-01T00:00:00Z'),
  };

  it('writes TSV with one tab per column and no tab inside a cell', () => {
    const [header, line] = formatResults([row], 'tsv').trimEnd().split('\n');
    expect(header!.split('\t')).toHaveLength(14);
    expect(line!.split('\t')).toEqual(['1', '0', '2.500000', 'keep', 'succeeded', 'lr ×2, "hot" and fast', '{"act":"relu","lr":0.002}', '9', '15', '3', 'explore', '0', 'false', '2026-12-01T00:00:00.000Z']);
  });

  it('quotes CSV cells with commas or quotes and writes JSON rows with ids', () => {
    const line = formatResults([row], 'csv').trimEnd().split('\n')[1]!;
    expect(line).toBe('1,0,2.500000,keep,succeeded,"lr ×2, ""hot""\tand fast","{""act"":""relu"",""lr"":0.002}",9,15,3,explore,0,false,2026-12-01T00:00:00.000Z');
    expect(JSON.parse(formatResults([row], 'json'))).toEqual([
      expect.objectContaining({ task: 1, task_id: 't1', parent: 0, parent_task_id: 't0', mark: 'keep', config: { act: 'relu', lr: 0.002 }, budget_scale: 3 }),
    ]);
  });
});
