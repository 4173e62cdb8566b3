import { describe, expect, it } from 'vitest';
import { randomDraw } from '../../src/modules/search/common.ts';
import { createStrategy } from '../../src/modules/search/index.ts';
import { logGaussMass, logNormalCdf, ParzenEstimator } from '../../src/modules/search/parzen.ts';
import { Prng } from '../../src/modules/campaigns/prng.ts';
import type { Observation, TaskConfig } from '../../src/modules/search/strategy.ts';
import { bestValue, context, median, observation, simulate, space } from './search-helpers.ts';

const tpe = createStrategy('tpe');
const random = createStrategy('random');

const MIXED = space({
  lr: { type: 'loguniform', low: 0.0001, high: 0.1 },
  dropout: { type: 'uniform', low: 0, high: 1 },
  width: { type: 'int', low: 2, high: 20, step: 2 },
  kind: { type: 'choice', values: ['a', 'b', 'c', 'd'] },
  fixed: 7,
});

// Optimum at lr = 1e-3, dropout = 0.3, width = 12, kind = 'c'.
function objective(config: TaskConfig): number {
  const lr = Math.log10(config.lr as number) + 3;
  const dropout = (config.dropout as number) - 0.3;
  const width = ((config.width as number) - 12) / 6;
  return lr * lr + 4 * dropout * dropout + width * width + (config.kind === 'c' ? 0 : 1);
}

function results(n: number, seed = 3): Observation[] {
  return simulate(random, context(MIXED, seed), objective, n);
}

describe('Gaussian tail arithmetic', () => {
  it('matches known normal CDF values and stays finite deep in the tail', () => {
    expect(Math.exp(logNormalCdf(0))).toBeCloseTo(0.5, 6);
    expect(Math.exp(logNormalCdf(1.959964))).toBeCloseTo(0.975, 6);
    expect(Math.exp(logNormalCdf(-1.959964))).toBeCloseTo(0.025, 6);
    // log Φ(-40) ≈ -804.608 (asymptotic series); a naive log(Φ) would be -Infinity.
    expect(logNormalCdf(-40)).toBeCloseTo(-804.608, 2);
    expect(Math.exp(logGaussMass(-1, 1))).toBeCloseTo(0.682689, 5);
    expect(logGaussMass(30, 31)).toBeCloseTo(logNormalCdf(-30), 3);
  });

  it('a Parzen estimator is a density: a numeric dimension integrates to 1, a discrete one sums to 1', () => {
    const continuous = new ParzenEstimator([{ kind: 'numeric', low: 0, high: 1, step: null }], [[0.2], [0.9]], [1, 1]);
    let integral = 0;
    for (let i = 0; i < 10000; i++) integral += Math.exp(continuous.logPdf([(i + 0.5) / 10000])) / 10000;
    expect(integral).toBeCloseTo(1, 3);
    const discrete = new ParzenEstimator(
      [{ kind: 'numeric', low: 1, high: 5, step: 1 }, { kind: 'categorical', size: 3 }],
      [[2, 0], [5, 2]],
      [1, 1],
    );
    let total = 0;
    for (let x = 1; x <= 5; x++) for (let c = 0; c < 3; c++) total += Math.exp(discrete.logPdf([x, c]));
    expect(total).toBeCloseTo(1, 9);
    const samples = discrete.sample(new Prng(1), 200);
    expect(samples.every(([x, c]) => x! >= 0.5 && x! <= 5.5 && Number.isInteger(c) && c! >= 0 && c! < 3)).toBe(true);
  });
});

describe('tpe strategy', () => {
  it('is deterministic: the same space, seed and history give the same proposals', () => {
    const history = results(15);
    const a = tpe.propose(context(MIXED), history, 4);
    const b = tpe.propose(context(MIXED), structuredClone(history), 4);
    expect(a).toEqual(b);
    expect(a).toHaveLength(4);
  });

  it('gives the same proposals whether asked for three at once or one at a time', () => {
    const history = results(15);
    const together = tpe.propose(context(MIXED), history, 3);
    const apart: typeof together = [];
    const working = [...history];
    for (let i = 0; i < 3; i++) {
      const [p] = tpe.propose(context(MIXED), working, 1);
      apart.push(p!);
      working.push(observation(p!.config, null, { seed: p!.seed }));
    }
    expect(apart.map((p) => [p.config, p.seed])).toEqual(together.map((p) => [p.config, p.seed]));
  });

  it('draws the random strategy\'s configs until startupTasks results are in, then models', () => {
    const history = results(9);
    const [startup] = tpe.propose(context(MIXED), history, 1);
    expect(startup!.config).toEqual(randomDraw(MIXED, 1, 9).config);
    expect(startup!.derivedFrom).toMatchObject({ strategy: 'tpe', phase: 'startup' });
    const [model] = tpe.propose(context(MIXED), results(10), 1);
    expect(model!.derivedFrom).toMatchObject({ strategy: 'tpe', phase: 'model', results: 10 });
    expect(model!.description).toMatch(/^TPE: best of 24 draws/);
    const [custom] = tpe.propose(context(MIXED, 1, { startupTasks: 12 }), results(10), 1);
    expect(custom!.derivedFrom).toMatchObject({ phase: 'startup' });
  });

  it('keeps every distribution inside its space: log range, int step, choices, 4 significant digits, constants', () => {
    const proposals = tpe.propose(context(MIXED), results(30), 30);
    for (const { config } of proposals) {
      expect(Object.keys(config)).toEqual(['dropout', 'fixed', 'kind', 'lr', 'width']);
      expect(config.fixed).toBe(7);
      expect(config.lr).toBeGreaterThanOrEqual(0.0001);
      expect(config.lr).toBeLessThanOrEqual(0.1);
      expect(Number((config.lr as number).toPrecision(4))).toBe(config.lr);
      expect(config.dropout).toBeGreaterThanOrEqual(0);
      expect(config.dropout).toBeLessThanOrEqual(1);
      expect([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]).toContain(config.width);
      expect(['a', 'b', 'c', 'd']).toContain(config.kind);
    }
  });

  it('concentrates each kind of parameter where the good results are', () => {
    // 40 results: the 4 good ones (the top gamma = 10%) all have kind 'b', lr near 3e-2, width 4, dropout near 0.8.
    const history: Observation[] = [];
    for (let i = 0; i < 40; i++) {
      const good = i % 10 === 0;
      const draw = randomDraw(MIXED, 11, i).config;
      const config = good ? { ...draw, kind: 'b', lr: 0.03, width: 4, dropout: 0.8 } : draw;
      history.push(observation(config, good ? 0.1 + i / 1000 : 5 + (i % 7)));
    }
    // One proposal per campaign seed (one call with 20 would spread them out through the liar).
    const proposals = Array.from({ length: 20 }, (_, seed) => tpe.propose(context(MIXED, seed), history, 1)[0]!);
    const share = (test: (c: TaskConfig) => boolean) => proposals.filter((p) => test(p.config)).length / proposals.length;
    expect(share((c) => c.kind === 'b')).toBeGreaterThan(0.6);
    expect(share((c) => Math.abs(Math.log10(c.lr as number) - Math.log10(0.03)) < 0.5)).toBeGreaterThan(0.6);
    expect(share((c) => (c.width as number) <= 6)).toBeGreaterThan(0.6);
    expect(share((c) => Math.abs((c.dropout as number) - 0.8) < 0.2)).toBeGreaterThan(0.6);
  });

  it('counts running tasks among the bad ones (constant liar): a liar at the best point pushes proposals away', () => {
    const distanceToBest = (liarAtBest: boolean) => {
      let total = 0;
      for (let seed = 0; seed < 20; seed++) {
        const history = results(25, seed);
        const best = history.reduce((a, b) => (b.value! < a.value! ? b : a));
        const far = history.reduce((a, b) => (b.value! > a.value! ? b : a));
        const liars = Array.from({ length: 4 }, () => observation((liarAtBest ? best : far).config, null));
        const [p] = tpe.propose(context(MIXED, seed), [...history, ...liars], 1);
        total += Math.abs(Math.log10(p!.config.lr as number) - Math.log10(best.config.lr as number));
        total += Math.abs((p!.config.dropout as number) - (best.config.dropout as number));
        total += Math.abs((p!.config.width as number) - (best.config.width as number)) / 18;
      }
      return total / 20;
    };
    expect(distanceToBest(true)).toBeGreaterThan(distanceToBest(false));
    const [withLiars] = tpe.propose(context(MIXED), [...results(12), observation({}, null)], 1);
    expect(withLiars!.derivedFrom).toMatchObject({ running: 1 });
    expect(withLiars!.description).toContain('1 running counted as bad');
  });

  it('finds better configs than random search on a smooth objective (median over 15 seeds, 60 tasks)', () => {
    const tpeBest: number[] = [];
    const randomBest: number[] = [];
    for (let seed = 0; seed < 15; seed++) {
      tpeBest.push(bestValue(simulate(tpe, context(MIXED, seed), objective, 60)));
      randomBest.push(bestValue(simulate(random, context(MIXED, seed), objective, 60)));
    }
    expect(median(tpeBest)).toBeLessThan(median(randomBest));
  });

  it('rejects bad options with a message naming them, and stops at the task budget', () => {
    expect(() => tpe.propose(context(MIXED, 1, { gamma: 2 }), [], 1)).toThrow(/gamma/);
    expect(() => tpe.propose(context(MIXED, 1, { startupTasks: 0 }), [], 1)).toThrow(/startupTasks/);
    expect(tpe.propose(context(MIXED, 1, {}, 12), results(10), 5)).toHaveLength(2);
  });
});
