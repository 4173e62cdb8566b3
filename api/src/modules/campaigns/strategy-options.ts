// A brief's strategy parameters and its confirm-before-keep option, checked at submission. Unknown
// keys are refused (a typo must not silently fall back to a default); defaults are filled in and
// stored, so a campaign's row says exactly what its strategy was given.
import { z } from 'zod';
import type { SearchStrategy } from '../../db/entities/campaign.entity.ts';
import type { FieldError } from '../../errors.ts';
import { zodFieldErrors } from '../validation.ts';
import { checkConfig } from './config-check.ts';
import type { SearchSpace } from './search-space.ts';

/** Strategies that propose as results arrive (the campaign loop asks them); the rest draw a fixed batch. */
export const ADAPTIVE_STRATEGIES: readonly SearchStrategy[] = ['tpe', 'asha', 'local'];

export function isAdaptive(strategy: SearchStrategy): boolean {
  return ADAPTIVE_STRATEGIES.includes(strategy);
}

const whole = (low: number, high: number) =>
  z.number().int('must be a whole number').min(low, `at least ${low}`).max(high, `at most ${high.toLocaleString('en')}`);
const maxInFlight = whole(1, 100_000).optional();
const fraction = z.number().gt(0, 'must be above 0').lt(1, 'must be below 1');

// Names and ranges follow the strategies' own readers (api/src/modules/search/*.ts), so a brief
// that passes here never makes a strategy throw later.
const OPTION_SCHEMAS: Record<SearchStrategy, z.ZodType<Record<string, unknown>>> = {
  random: z.strictObject({}),
  grid: z.strictObject({}),
  tpe: z.strictObject({
    startupTasks: whole(1, 10_000).default(10),
    candidates: whole(1, 10_000).optional(),
    gamma: fraction.optional(),
    priorWeight: z.number().positive('must be above 0').max(1000, 'at most 1,000').optional(),
    maxInFlight,
  }),
  asha: z.strictObject({
    eta: whole(2, 10).default(3),
    rungs: whole(1, 5).default(3),
    maxInFlight,
  }),
  local: z.strictObject({
    baseline: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    parallel: whole(1, 1000).optional(),
    logFactor: z.number().gt(1, 'must be above 1').max(100, 'at most 100').optional(),
    uniformStep: fraction.optional(),
    maxInFlight,
  }),
  agent: z.strictObject({ maxInFlight }),
};

export interface ConfirmOption {
  /** How many of the best configs are re-run. */
  topK: number;
  /** New seeds per re-run config. */
  seeds: number;
}

export const MAX_CONFIRM_TOP_K = 50;
export const MAX_CONFIRM_SEEDS = 20;

export type OptionsResult = { ok: true; options: Record<string, unknown> } | { ok: false; errors: FieldError[] };

/** Validates a strategy's options against its schema and, for `local`'s baseline, the search space. */
export function parseStrategyOptions(strategy: SearchStrategy, input: unknown, space: SearchSpace | null): OptionsResult {
  const parsed = OPTION_SCHEMAS[strategy].safeParse(input ?? {});
  if (!parsed.success) {
    return { ok: false, errors: zodFieldErrors(parsed.error).map((error) => ({ ...error, path: ['strategyOptions', ...error.path] })) };
  }
  const options = parsed.data;
  if (strategy === 'local' && options.baseline && space) {
    const checked = checkConfig(space, options.baseline as Record<string, unknown>, ['strategyOptions', 'baseline'], { partial: true });
    if (!checked.ok) return { ok: false, errors: checked.errors };
  }
  return { ok: true, options };
}

/** Field errors of a confirm option for a campaign of `taskCount` tasks (at least one must explore). */
export function confirmErrors(confirm: ConfirmOption | null | undefined, taskCount: number): FieldError[] {
  if (!confirm) return [];
  const errors: FieldError[] = [];
  const whole = (value: number, low: number, high: number, key: keyof ConfirmOption) => {
    if (!Number.isInteger(value) || value < low || value > high) errors.push({ path: ['confirm', key], message: `must be a whole number from ${low} to ${high}` });
  };
  whole(confirm.topK, 1, MAX_CONFIRM_TOP_K, 'topK');
  whole(confirm.seeds, 1, MAX_CONFIRM_SEEDS, 'seeds');
  if (!errors.length && Number.isInteger(taskCount) && confirm.topK * confirm.seeds >= taskCount) {
    errors.push({ path: ['confirm'], message: `topK × seeds (${confirm.topK * confirm.seeds}) must leave at least one of the ${taskCount} tasks to explore` });
  }
  return errors;
}

/**
 * The largest multiple of the base budget one task of this strategy can get: ASHA's top rung is
 * η^(rungs−1) × the base budget. Escrow reserves for it and returns what cannot be spent any more.
 */
export function maxBudgetScale(strategy: SearchStrategy, options: Record<string, unknown>): number {
  if (strategy !== 'asha') return 1;
  const eta = typeof options.eta === 'number' ? options.eta : 3;
  const rungs = typeof options.rungs === 'number' ? options.rungs : 3;
  return eta ** (rungs - 1);
}

/** The per-task budget a scale gives, in whole seconds (what the worker passes to the script). */
export function scaledBudget(baseBudgetS: number, scale: number): number {
  return Math.max(1, Math.round(baseBudgetS * scale));
}
