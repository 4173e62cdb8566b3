// What work costs, as pure functions (the ledger reserves and pays these amounts; nothing here
// touches storage). Integers only, so the ledger never rounds.
//
// - A compute-budget task contains a fixed amount of work (training FLOPs or tokens, whichever
//   unit its script declares): it costs that work at a rate per unit, the same on every machine.
// - A wall-budget task costs its seconds at the rate of its hardware class (a campaign with a
//   wall budget runs on one class): a GPU-second buys more work than a CPU-second, so it pays more.
import type { Env } from '../../env.ts';

export type ComputeUnit = 'tokens' | 'flops';
/** The coarse class a wall budget is bought in (the fine-grained hardware class is the result's). */
export type RateClass = 'cpu' | 'gpu';

export type PricedBudget = { kind: 'wall'; seconds: number; rateClass: RateClass } | { kind: 'compute'; unit: ComputeUnit; amount: number };

export interface PricingRates {
  creditsPerCpuSecond: number;
  creditsPerGpuSecond: number;
  /** Credits per 10^12 training FLOPs. */
  creditsPerTflop: number;
  creditsPerMillionTokens: number;
}

export function pricingRates(
  env: Pick<Env, 'XEENET_CREDITS_PER_TASK_SECOND' | 'XEENET_CREDITS_PER_GPU_SECOND' | 'XEENET_CREDITS_PER_TFLOP' | 'XEENET_CREDITS_PER_MILLION_TOKENS'>,
): PricingRates {
  return {
    creditsPerCpuSecond: env.XEENET_CREDITS_PER_TASK_SECOND,
    creditsPerGpuSecond: env.XEENET_CREDITS_PER_GPU_SECOND,
    creditsPerTflop: env.XEENET_CREDITS_PER_TFLOP,
    creditsPerMillionTokens: env.XEENET_CREDITS_PER_MILLION_TOKENS,
  };
}

/** Credits per second of wall budget on a class of hardware. */
export function wallRate(rateClass: RateClass, rates: PricingRates): number {
  return rateClass === 'gpu' ? rates.creditsPerGpuSecond : rates.creditsPerCpuSecond;
}

/** Credits per unit of compute budget (one FLOP or one token), as a real number. */
export function computeRate(unit: ComputeUnit, rates: PricingRates): number {
  return unit === 'flops' ? rates.creditsPerTflop / 1e12 : rates.creditsPerMillionTokens / 1e6;
}

/**
 * What one task pays its worker (and reserves in escrow). Compute work is rounded up to whole
 * credits, so any non-zero work pays at least 1 when its rate is not 0.
 */
export function taskPrice(budget: PricedBudget, rates: PricingRates): number {
  if (budget.kind === 'wall') return budget.seconds * wallRate(budget.rateClass, rates);
  // The tiny epsilon keeps 5e11 x 18e-12 (= 9.000000000000002 in floating point) at 9.
  return Math.max(0, Math.ceil(budget.amount * computeRate(budget.unit, rates) - 1e-9));
}

export function campaignCost(taskCount: number, budget: PricedBudget, rates: PricingRates): number {
  return taskCount * taskPrice(budget, rates);
}

/**
 * Replicas a campaign's quote reserves: the expected share of replicated tasks plus the top
 * results confirmed once it finishes. Unused reserve returns to the owner when it closes.
 */
export function verificationTasks(taskCount: number, reserveShare: number, top: number): number {
  return Math.ceil(taskCount * reserveShare) + Math.min(top, taskCount);
}
