import { describe, expect, it } from 'vitest';
import { configKey, randomDraw } from '../../src/modules/search/common.ts';
import { createStrategy, markAgainstParent } from '../../src/modules/search/index.ts';
import { baselineConfig, neighbourMoves } from '../../src/modules/search/local.ts';
import type { Observation, Proposal } from '../../src/modules/search/strategy.ts';
import { context, observation, space } from './search-helpers.ts';

const asha = createStrategy('asha');
const local = createStrategy('local');

const SPACE = space({
  lr: { type: 'loguniform', low: 0.001, high: 0.016, points: 5 },
  width: { type: 'choice', values: [16, 32, 64] },
  depth: { type: 'int', low: 1, high: 3 },
  act: 'relu',
});

/** The observation a proposal becomes once it has run (or is running, with value null). */
function ran(p: Proposal, value: number | null, taskId: string): Observation {
  return observation(p.config, value, { taskId, seed: p.seed, budgetScale: p.budgetScale });
}

describe('asha strategy', () => {
  it('starts new random configs at rung 0 and never waits for a rung to fill', () => {
    const first = asha.propose(context(SPACE), [], 5);
    expect(first).toHaveLength(5);
    expect(first.every((p) => p.budgetScale === 1 && p.parentTaskId === null)).toBe(true);
    expect(first.map((p) => p.config)).toEqual([0, 1, 2, 3, 4].map((i) => randomDraw(SPACE, 1, i).config));
    // Everything is still running: ASHA keeps proposing new configs rather than waiting.
    const running = first.map((p, i) => ran(p, null, `r${i}`));
    expect(asha.propose(context(SPACE), running, 3).every((p) => p.budgetScale === 1)).toBe(true);
  });

  it('promotes a config only when it is in the top 1/eta of the finished results of its rung', () => {
    const base = asha.propose(context(SPACE), [], 3);
    const two = [ran(base[0]!, 3.0, 'a'), ran(base[1]!, 1.0, 'b')];
    // Two results: floor(2/3) = 0 can be promoted, so a new config.
    expect(asha.propose(context(SPACE), two, 1)[0]!.budgetScale).toBe(1);
    const three = [...two, ran(base[2]!, 2.0, 'c')];
    const [promotion] = asha.propose(context(SPACE), three, 1);
    expect(promotion).toMatchObject({ config: base[1]!.config, seed: base[1]!.seed, budgetScale: 3, parentTaskId: 'b' });
    expect(promotion!.derivedFrom).toMatchObject({ strategy: 'asha', action: 'promote', fromRung: 0, toRung: 1, rank: 1 });
    expect(promotion!.description).toContain('top 1/3');
    // Once promoted (even while the promoted run is running), it is not promoted again.
    const afterPromotion = [...three, ran(promotion!, null, 'b1')];
    expect(asha.propose(context(SPACE), afterPromotion, 1)[0]!.budgetScale).toBe(1);
  });

  it('counts running tasks out of the rung and failures in it (never promoting them)', () => {
    const base = asha.propose(context(SPACE), [], 6);
    const history = [
      observation(base[0]!.config, null, { taskId: 'f', seed: base[0]!.seed, state: 'failed' }),
      ran(base[1]!, 2.0, 'x'),
      ran(base[2]!, 5.0, 'y'),
      ran(base[3]!, null, 'running'),
    ];
    const [p] = asha.propose(context(SPACE), history, 1);
    expect(p).toMatchObject({ budgetScale: 3, parentTaskId: 'x' }); // 3 finished -> top 1
    const failedBest = [observation(base[0]!.config, null, { taskId: 'f', state: 'failed' }), ran(base[1]!, 9, 'p'), ran(base[2]!, 8, 'q')];
    expect(asha.propose(context(SPACE), failedBest, 1)[0]).toMatchObject({ parentTaskId: 'q', budgetScale: 3 });
  });

  it('scans from the top rung down, promotes in rank order, and never beyond the last rung', () => {
    const base = asha.propose(context(SPACE), [], 9);
    const rung0 = base.map((p, i) => ran(p, 10 - i, `z${i}`)); // z8 best, then z7, z6
    const proposals = asha.propose(context(SPACE), rung0, 4);
    expect(proposals.slice(0, 3).map((p) => p.parentTaskId)).toEqual(['z8', 'z7', 'z6']);
    expect(proposals[3]!.budgetScale).toBe(1);
    // Three results at rung 1: the best goes to rung 2 before any rung-0 promotion.
    const rung1 = proposals.slice(0, 3).map((p, i) => ran(p, 5 + i, `o${i}`));
    const [top] = asha.propose(context(SPACE), [...rung0, ...rung1], 1);
    expect(top).toMatchObject({ budgetScale: 9, parentTaskId: 'o0' });
    const rung2 = [1, 2, 3].map((i) => ran({ ...top!, seed: i }, 1 + i, `t${i}`));
    const twoRungs = asha.propose(context(SPACE, 1, { rungs: 2 }), [...rung0, ...rung1], 1)[0]!;
    expect(twoRungs.budgetScale).toBe(1); // rung 1 is the top of 2: nothing is promoted past it
    expect(asha.propose(context(SPACE), [...rung0, ...rung1, ...rung2], 1)[0]!.budgetScale).not.toBe(27);
    expect(asha.propose(context(SPACE, 1, { eta: 2 }), rung0.slice(0, 2), 1)[0]).toMatchObject({ budgetScale: 2, parentTaskId: 'z1' });
  });

  it('is deterministic and rejects eta < 2', () => {
    const history = asha.propose(context(SPACE), [], 7).map((p, i) => ran(p, (i * 7) % 5, `d${i}`));
    expect(asha.propose(context(SPACE), history, 5)).toEqual(asha.propose(context(SPACE), structuredClone(history), 5));
    expect(() => asha.propose(context(SPACE, 1, { eta: 1 }), [], 1)).toThrow(/eta/);
  });
});

describe('local strategy', () => {
  it('starts from the midpoints (or options.baseline) and waits for its candidate', () => {
    expect(baselineConfig(SPACE, undefined)).toEqual({ act: 'relu', depth: 2, lr: 0.004, width: 32 });
    expect(baselineConfig(SPACE, { width: 64 })).toMatchObject({ width: 64, depth: 2 });
    expect(() => baselineConfig(SPACE, { nope: 1 })).toThrow(/nope/);
    const [first] = local.propose(context(SPACE), [], 3);
    expect(first).toMatchObject({ config: { act: 'relu', depth: 2, lr: 0.004, width: 32 }, parentTaskId: null });
    expect(local.propose(context(SPACE), [ran(first!, null, 'base')], 3)).toEqual([]);
  });

  it('tries one-parameter changes of the best in a fixed order: nearest first, up before down', () => {
    const moves = neighbourMoves(SPACE, { act: 'relu', depth: 2, lr: 0.004, width: 32 });
    expect(moves.map((m) => `${m.name}=${m.to}`)).toEqual([
      'depth=3', 'depth=1', 'lr=0.008', 'lr=0.002', 'width=64', 'width=16',
    ]);
    const [first] = local.propose(context(SPACE), [], 1);
    const [second] = local.propose(context(SPACE), [ran(first!, 3, 'base')], 1);
    expect(second).toMatchObject({ config: { ...first!.config, depth: 3 }, parentTaskId: 'base' });
    expect(second!.description).toBe('local: depth 2 -> 3 around the best (3.0000)');
    expect(second!.derivedFrom).toMatchObject({ change: { name: 'depth', from: 2, to: 3 } });
  });

  it('discards a worse change (next neighbour of the same best) and keeps a better one (moves the centre)', () => {
    const [base] = local.propose(context(SPACE), [], 1);
    const h1 = [ran(base!, 3, 'base')];
    const [up] = local.propose(context(SPACE), h1, 1);
    const discarded = [...h1, ran(up!, 3.5, 'up')];
    expect(markAgainstParent(h1[0]!, discarded[1]!)).toBe('discard');
    const [next] = local.propose(context(SPACE), discarded, 1);
    expect(next).toMatchObject({ config: { ...base!.config, depth: 1 }, parentTaskId: 'base' });
    const kept = [...discarded, ran(next!, 2.5, 'down')];
    expect(markAgainstParent(h1[0]!, kept[2]!)).toBe('keep');
    const [around] = local.propose(context(SPACE), kept, 1);
    // The centre is now depth=1; its first untried neighbour (depth=2 is the baseline, tried) is lr up.
    expect(around).toMatchObject({ config: { ...base!.config, depth: 1, lr: 0.008 }, parentTaskId: 'down' });
    expect(markAgainstParent(h1[0]!, observation({}, null, { state: 'failed' }))).toBe('crash');
  });

  it('restarts from a random draw once the neighbourhood is exhausted, and runs `parallel` at a time', () => {
    const [base] = local.propose(context(SPACE), [], 1);
    const history: Observation[] = [ran(base!, 1, 'base')];
    for (const move of neighbourMoves(SPACE, base!.config)) {
      history.push(observation({ ...base!.config, [move.name]: move.to }, 2, { taskId: `${move.name}${move.to}` }));
    }
    const [restart] = local.propose(context(SPACE), history, 1);
    expect(restart!.derivedFrom).toMatchObject({ action: 'restart' });
    expect(history.map((o) => configKey(o.config))).not.toContain(configKey(restart!.config));
    const restarts = local.propose(context(SPACE, 1, { parallel: 3 }), history, 5);
    expect(restarts.map((p) => p.derivedFrom.action)).toEqual(['restart', 'restart', 'restart']);
    expect(new Set(restarts.map((p) => configKey(p.config))).size).toBe(3);
    expect(local.propose(context(SPACE, 1, { parallel: 3 }), [...history, ran(restarts[0]!, null, 'r')], 5)).toEqual([]);
    const parallel = local.propose(context(SPACE, 1, { parallel: 3 }), [ran(base!, 1, 'base')], 5);
    expect(parallel.map((p) => p.config.depth)).toEqual([3, 1, 2]);
    expect(local.propose(context(SPACE), history, 1)).toEqual(local.propose(context(SPACE), structuredClone(history), 1));
  });
});
