// When two runs of the same task agree: a tolerance per pair of hardware classes, measured by
// training-scripts/bench/replay_spread.py (figures in training-scripts/README.md, "Replay spread").
// The class itself comes from tasks/hardware-class.ts, the one place that reads it from a result.
import type { HardwareClass } from '../tasks/hardware-class.ts';

export interface Tolerance {
  valBpb: number;
  trainLoss: number;
  /** Which row of the table applied. */
  basis: 'same class' | 'other thread count' | 'other kernels' | 'unmeasured';
}

/**
 * The measured table (2x the largest spread seen, CPU, torch 1.13.1):
 * same class 26/26 bit-identical; other thread count max 0.0167 / 0.0086; other CPU kernels max
 * 0.0396 / 0.0118. CPU vs CUDA and CUDA vs CUDA were not measured: they get the widest band.
 */
export const TOLERANCES: Record<Tolerance['basis'], Omit<Tolerance, 'basis'>> = {
  'same class': { valBpb: 0, trainLoss: 0 },
  'other thread count': { valBpb: 0.035, trainLoss: 0.02 },
  'other kernels': { valBpb: 0.08, trainLoss: 0.025 },
  unmeasured: { valBpb: 0.08, trainLoss: 0.025 },
};

/** The band two results of these classes must fall within. Anything not fully known is "unmeasured". */
export function toleranceFor(a: HardwareClass, b: HardwareClass): Tolerance {
  const known = (hw: HardwareClass) => hw.device === 'cpu' && hw.torch !== null && hw.kernels !== null && hw.threads !== null;
  if (!known(a) || !known(b)) return { ...TOLERANCES.unmeasured, basis: 'unmeasured' };
  if (a.torch !== b.torch || a.kernels !== b.kernels) return { ...TOLERANCES['other kernels'], basis: 'other kernels' };
  if (a.threads !== b.threads) return { ...TOLERANCES['other thread count'], basis: 'other thread count' };
  return { ...TOLERANCES['same class'], basis: 'same class' };
}

export interface ComparableResult {
  valBpb: number;
  trainLoss: number;
  steps: number;
  hardware: HardwareClass;
}

/** Whether two runs of one task agree: the same step count, and both numbers within the band. */
export function agree(a: ComparableResult, b: ComparableResult): boolean {
  if (a.steps !== b.steps) return false;
  const band = toleranceFor(a.hardware, b.hardware);
  return Math.abs(a.valBpb - b.valBpb) <= band.valBpb && Math.abs(a.trainLoss - b.trainLoss) <= band.trainLoss;
}
