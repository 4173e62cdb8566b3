// Budget parsing, pricing, hardware classes and the token bucket: pure functions.
import { describe, expect, it } from 'vitest';
import { budgetOf, parseBudget, scriptBudgets } from '../../src/modules/campaigns/budget.ts';
import { campaignCost, type PricingRates, taskPrice } from '../../src/modules/ledger/pricing.ts';
import { MemoryBuckets, refill } from '../../src/modules/rate-limit/token-bucket.ts';
import { hardwareClassOf, rateClassOfDevice } from '../../src/modules/tasks/hardware-class.ts';

const tokensScript = scriptBudgets({ defaultBudgetS: 3, budgets: { kinds: ['wall', 'compute'], computeUnit: 'tokens', defaultCompute: 327680 } });
const flopsOnly = scriptBudgets({ budgets: { kinds: ['compute'], computeUnit: 'flops', defaultCompute: 5e11 } });
const wallOnly = scriptBudgets({ defaultBudgetS: 9 });
const defaults = { maxWallS: 3600 };

describe('scriptBudgets', () => {
  it('reads the manifest entry, and gives a script that declares nothing wall budgets only', () => {
    expect(tokensScript).toEqual({ kinds: ['wall', 'compute'], computeUnit: 'tokens', defaultCompute: 327680, defaultBudgetS: 3 });
    expect(wallOnly).toEqual({ kinds: ['wall'], computeUnit: null, defaultCompute: null, defaultBudgetS: 9 });
    // compute without a unit cannot be priced or passed to the script: not offered.
    expect(scriptBudgets({ budgets: { kinds: ['wall', 'compute'] } }).kinds).toEqual(['wall']);
    expect(scriptBudgets(null).kinds).toEqual(['wall']);
  });
});

describe('parseBudget', () => {
  it('defaults a new brief to a compute budget in the script’s unit, and an old budgetS-only brief to wall', () => {
    expect(parseBudget(null, null, tokensScript, defaults)).toEqual({ ok: true, budget: { kind: 'compute', unit: 'tokens', amount: 327680, maxWallS: 3600 } });
    expect(parseBudget(null, 5, tokensScript, defaults)).toEqual({ ok: true, budget: { kind: 'wall', seconds: 5, hardware: 'cpu' } });
    expect(parseBudget(null, null, wallOnly, defaults)).toEqual({ ok: true, budget: { kind: 'wall', seconds: 9, hardware: 'cpu' } });
    expect(parseBudget({ kind: 'compute', amount: 1e12, maxWallS: 120 }, null, flopsOnly, defaults)).toEqual({
      ok: true,
      budget: { kind: 'compute', unit: 'flops', amount: 1e12, maxWallS: 120 },
    });
    // The old budgetS beside an explicit compute budget is its cap.
    expect(parseBudget({ kind: 'compute' }, 60, tokensScript, defaults)).toMatchObject({ ok: true, budget: { maxWallS: 60 } });
    expect(parseBudget({ kind: 'wall', seconds: 30, hardware: 'gpu' }, null, tokensScript, defaults)).toEqual({
      ok: true,
      budget: { kind: 'wall', seconds: 30, hardware: 'gpu' },
    });
  });

  it('refuses bad kinds, kinds the script does not accept and non-positive amounts with field errors', () => {
    const errors = (...args: Parameters<typeof parseBudget>) => {
      const parsed = parseBudget(...args);
      return parsed.ok ? [] : parsed.errors;
    };
    expect(errors({ kind: 'gpu-hours' }, null, tokensScript, defaults)).toEqual([
      { path: ['budget', 'kind'], message: 'must be one of wall, compute, got "gpu-hours"' },
    ]);
    expect(errors({ kind: 'compute' }, null, wallOnly, defaults)).toEqual([
      { path: ['budget', 'kind'], message: 'this training script does not accept compute budgets (it accepts: wall)' },
    ]);
    expect(errors({ kind: 'wall', seconds: 5 }, null, flopsOnly, defaults)[0]!.path).toEqual(['budget', 'kind']);
    expect(errors({ kind: 'compute', amount: 0 }, null, tokensScript, defaults)).toEqual([
      { path: ['budget', 'amount'], message: 'must be a positive number of training tokens, got 0' },
    ]);
    expect(errors({ kind: 'compute', amount: -5e11 }, null, flopsOnly, defaults)[0]!.path).toEqual(['budget', 'amount']);
    expect(errors({ kind: 'compute', amount: Number.NaN }, null, flopsOnly, defaults)[0]!.path).toEqual(['budget', 'amount']);
    expect(errors({ kind: 'compute', amount: 1500.5 }, null, tokensScript, defaults)).toEqual([
      { path: ['budget', 'amount'], message: 'must be a whole number of tokens, got 1500.5' },
    ]);
    expect(errors({ kind: 'compute', amount: 2e21 }, null, flopsOnly, defaults)[0]!.message).toBe('must be at most 1e+21 flops');
    expect(errors({ kind: 'compute', maxWallS: 0 }, null, tokensScript, defaults)).toEqual([
      { path: ['budget', 'maxWallS'], message: 'must be a positive whole number of seconds, got 0' },
    ]);
    expect(errors({ kind: 'wall', seconds: -1 }, null, tokensScript, defaults)).toEqual([
      { path: ['budget', 'seconds'], message: 'must be a positive whole number of seconds, got -1' },
    ]);
    expect(errors({ kind: 'wall', seconds: 5, hardware: 'tpu' }, null, tokensScript, defaults)[0]!.path).toEqual(['budget', 'hardware']);
    // Fields of the other kind are mistakes, not silently dropped.
    expect(errors({ kind: 'compute', seconds: 5 }, null, tokensScript, defaults)[0]!.path).toEqual(['budget', 'seconds']);
    expect(errors({ kind: 'wall', seconds: 5, amount: 100 }, null, tokensScript, defaults)[0]!.path).toEqual(['budget', 'amount']);
  });

  it('round-trips through the stored columns', () => {
    expect(budgetOf({ budgetKind: 'compute', budgetS: 600, budgetUnit: 'flops', budgetAmount: '5e11' })).toEqual({
      kind: 'compute',
      unit: 'flops',
      amount: 5e11,
      maxWallS: 600,
    });
    expect(budgetOf({ budgetKind: 'wall', budgetS: 9, budgetHardware: null })).toEqual({ kind: 'wall', seconds: 9, hardware: 'cpu' });
  });
});

describe('pricing', () => {
  const rates: PricingRates = { creditsPerCpuSecond: 1, creditsPerGpuSecond: 4, creditsPerTflop: 18, creditsPerMillionTokens: 10 };

  it('prices a compute task by the work it contains, the same on every machine, in whole credits', () => {
    expect(taskPrice({ kind: 'compute', unit: 'flops', amount: 5e11 }, rates)).toBe(9);
    expect(taskPrice({ kind: 'compute', unit: 'flops', amount: 1e12 }, rates)).toBe(18);
    expect(taskPrice({ kind: 'compute', unit: 'tokens', amount: 327_680 }, rates)).toBe(4);
    expect(taskPrice({ kind: 'compute', unit: 'tokens', amount: 1 }, rates)).toBe(1);
    expect(taskPrice({ kind: 'compute', unit: 'tokens', amount: 1_000_000 }, rates)).toBe(10);
    expect(taskPrice({ kind: 'compute', unit: 'tokens', amount: 327_680 }, { ...rates, creditsPerMillionTokens: 0 })).toBe(0);
  });

  it('prices a wall task per second at its hardware class’s rate, GPU above CPU', () => {
    expect(taskPrice({ kind: 'wall', seconds: 9, rateClass: 'cpu' }, rates)).toBe(9);
    expect(taskPrice({ kind: 'wall', seconds: 9, rateClass: 'gpu' }, rates)).toBe(36);
    expect(campaignCost(10, { kind: 'wall', seconds: 9, rateClass: 'gpu' }, rates)).toBe(360);
  });
});

describe('hardwareClassOf', () => {
  const line = {
    device: 'cpu',
    num_threads: 2,
    torch_version: '1.13.1',
    cpu_kernels: { aten: 'AVX2', openblas: 'Cooperlake' },
    replay: { budget_tokens: 327680, device: 'cpu', num_threads: 2 },
  };

  it('names device, torch build, CPU kernels and threads, the replay object first', () => {
    expect(hardwareClassOf(line)).toBe('cpu|torch 1.13.1|AVX2/Cooperlake|2 threads');
    expect(hardwareClassOf({ ...line, replay: { ...line.replay, num_threads: 1 } })).toBe('cpu|torch 1.13.1|AVX2/Cooperlake|1 threads');
    expect(hardwareClassOf({ ...line, cpu_kernels: { aten: 'AVX2', openblas: null } })).toBe('cpu|torch 1.13.1|AVX2/?|2 threads');
    expect(hardwareClassOf({ device: 'cuda:0', torch_version: '2.4.0+cu124', num_threads: 16 })).toBe('cuda|torch 2.4.0+cu124');
  });

  it('is null when the line does not say where it ran, and cannot be steered by separators', () => {
    expect(hardwareClassOf(null)).toBeNull();
    expect(hardwareClassOf({ val_bpb: 2.5 })).toBeNull();
    expect(hardwareClassOf({ ...line, torch_version: '1.13|cuda' })).toBe('cpu|torch 1.13 cuda|AVX2/Cooperlake|2 threads');
  });

  it('maps devices to the coarse class wall budgets are priced in', () => {
    expect(rateClassOfDevice('cuda:1')).toBe('gpu');
    expect(rateClassOfDevice('mps')).toBe('gpu');
    expect(rateClassOfDevice('cpu')).toBe('cpu');
    expect(rateClassOfDevice(null)).toBe('cpu');
  });
});

describe('token bucket', () => {
  it('allows a burst of capacity, then refuses with the delay until one token is back', async () => {
    const buckets = new MemoryBuckets();
    const spec = { capacity: 3, refillPerS: 0.5 };
    const at = 1_000_000;
    const takes = [];
    for (let i = 0; i < 5; i++) takes.push(await buckets.take('a', spec, at));
    expect(takes.map((t) => t.allowed)).toEqual([true, true, true, false, false]);
    expect(takes[3]!.retryAfterS).toBe(2);
    // Another key has its own bucket; two seconds later one token is back.
    expect((await buckets.take('b', spec, at)).allowed).toBe(true);
    expect((await buckets.take('a', spec, at + 2000)).allowed).toBe(true);
    expect((await buckets.take('a', spec, at + 2000)).allowed).toBe(false);
    expect(refill(0, at, at + 60_000, spec)).toBe(3);
  });
});
