// The pure rules of verification: the tolerance table, the quorum, adaptive replication.
import { describe, expect, it } from 'vitest';
import { decide, type Run } from '../../src/modules/verification/quorum.ts';
import { isEstablished, quotaAfter, replicationReason, spotCheckDraw } from '../../src/modules/verification/replication.ts';
import { parseHardwareClass as hardwareClassOf } from '../../src/modules/tasks/hardware-class.ts';
import { agree, toleranceFor } from '../../src/modules/verification/tolerance.ts';

const cpu = (threads: number, openblas = 'Cooperlake') =>
  hardwareClassOf({ device: 'cpu', torch_version: '1.13.1', cpu_kernels: { aten: 'AVX2', openblas }, replay: { num_threads: threads } });

describe('the tolerance table', () => {
  it('derives the hardware class from the result line alone', () => {
    expect(cpu(2)).toEqual({ device: 'cpu', torch: '1.13.1', kernels: 'AVX2/Cooperlake', threads: 2 });
    expect(hardwareClassOf({ device: 'cuda:0', torch_version: '2.4.0' }).device).toBe('cuda');
    expect(hardwareClassOf(null)).toEqual({ device: null, torch: null, kernels: null, threads: null });
  });

  it('is exact within a class and uses the measured bands across classes', () => {
    expect(toleranceFor(cpu(2), cpu(2))).toMatchObject({ valBpb: 0, trainLoss: 0, basis: 'same class' });
    expect(toleranceFor(cpu(2), cpu(1))).toMatchObject({ valBpb: 0.035, trainLoss: 0.02 });
    expect(toleranceFor(cpu(2), cpu(2, 'Haswell'))).toMatchObject({ valBpb: 0.08, trainLoss: 0.025 });
    // CPU vs CUDA was never measured: the widest band, said so.
    const cuda = hardwareClassOf({ device: 'cuda', torch_version: '2.4.0', replay: { num_threads: 2 } });
    expect(toleranceFor(cpu(2), cuda)).toMatchObject({ valBpb: 0.08, basis: 'unmeasured' });
  });

  it('agrees only on the same step count within the band', () => {
    const run = { valBpb: 2.5, trainLoss: 1.7, steps: 100, hardware: cpu(2) };
    expect(agree(run, { ...run })).toBe(true);
    expect(agree(run, { ...run, valBpb: 2.5000001 })).toBe(false);
    expect(agree(run, { ...run, hardware: cpu(1), valBpb: 2.52 })).toBe(true);
    expect(agree(run, { ...run, hardware: cpu(1), valBpb: 2.54 })).toBe(false);
    expect(agree(run, { ...run, steps: 99 })).toBe(false);
  });
});

describe('the quorum', () => {
  const run = (id: string, valBpb: number): Run => ({ id, valBpb, trainLoss: 1.7, steps: 100, hardware: cpu(2) });

  it('makes two agreeing runs valid and asks for a third on a disagreement', () => {
    expect(decide([run('a', 2.5), run('b', 2.5)])).toEqual({ kind: 'decided', canonical: 'a', valid: ['a', 'b'], invalid: [] });
    expect(decide([run('a', 1.0), run('b', 2.5)])).toEqual({ kind: 'replicate' });
    expect(decide([run('a', 1.0), run('b', 2.5), run('c', 2.5)])).toEqual({ kind: 'decided', canonical: 'b', valid: ['b', 'c'], invalid: ['a'] });
    expect(decide([run('a', 1.0), run('b', 2.5), run('c', 3.0)])).toEqual({ kind: 'inconclusive' });
    expect(decide([run('a', 2.5)])).toEqual({ kind: 'replicate' });
  });
});

describe('adaptive replication', () => {
  const settings = { trustAfterValid: 10, cv: 10, seed: 0 };

  it('replicates every result of an unproven worker and every new best', () => {
    expect(replicationReason({ consecutiveValid: 9, trusted: false }, false, [1, 2, 3], settings)).toBe('unproven worker');
    expect(replicationReason({ consecutiveValid: 0, trusted: true }, true, [1, 2, 3], settings)).toBe('new best');
    expect(isEstablished({ consecutiveValid: 10, trusted: false }, settings)).toBe(true);
  });

  it('spot-checks an established worker with probability 1/CV, reproducibly', () => {
    const draws = Array.from({ length: 20_000 }, (_, i) => replicationReason({ consecutiveValid: 50, trusted: false }, false, [7, i, 1], settings));
    const share = draws.filter((reason) => reason === 'spot check').length / draws.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    expect(spotCheckDraw([7, 3, 1], 0)).toBe(spotCheckDraw([7, 3, 1], 0));
    expect(spotCheckDraw([7, 3, 1], 0)).not.toBe(spotCheckDraw([7, 3, 1], 1));
  });

  it('doubles the quota per valid result and halves it per invalid one', () => {
    expect(quotaAfter(16, true)).toBe(32);
    expect(quotaAfter(16, false)).toBe(8);
    expect(quotaAfter(1, false)).toBe(1);
  });
});
