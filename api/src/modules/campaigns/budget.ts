// A brief's budget: `wall` (seconds of training on the worker's clock, autoresearch's classic
// contract; comparable only within one hardware class) or `compute` (a fixed amount of work, in
// the unit the script declares in training-scripts/manifest.json: training tokens or FLOPs; the
// same work and the same val_bpb on every machine of a class). A compute budget keeps a wall
// cap, the most seconds a task may take anywhere (a calibrated worker gets a tighter one).
import type { FieldError } from '../../errors.ts';
import type { ComputeUnit, PricedBudget, RateClass } from '../ledger/pricing.ts';

export const BUDGET_KINDS = ['wall', 'compute'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];
export const COMPUTE_UNITS = ['tokens', 'flops'] as const;
export const RATE_CLASSES = ['cpu', 'gpu'] as const;
export const MAX_BUDGET_S = 24 * 60 * 60;
/** The training scripts' own limits (README: budget_tokens <= 2^53, budget_flops <= 1e21). */
export const MAX_COMPUTE: Record<ComputeUnit, number> = { tokens: 2 ** 53, flops: 1e21 };

export type Budget =
  | { kind: 'wall'; seconds: number; hardware: RateClass }
  | { kind: 'compute'; unit: ComputeUnit; amount: number; maxWallS: number };

/** What a script accepts, from its manifest entry (artifact metadata `budgets`). */
export interface ScriptBudgets {
  kinds: BudgetKind[];
  computeUnit: ComputeUnit | null;
  defaultCompute: number | null;
  defaultBudgetS: number | null;
}

export interface BudgetInput {
  kind?: string | null;
  seconds?: number | null;
  amount?: number | null;
  maxWallS?: number | null;
  hardware?: string | null;
}

/** Reads a script artifact's metadata; a script that declares nothing takes wall budgets only. */
export function scriptBudgets(metadata: Record<string, unknown> | null | undefined): ScriptBudgets {
  const declared = (metadata?.budgets ?? null) as Record<string, unknown> | null;
  const defaultBudgetS = typeof metadata?.defaultBudgetS === 'number' ? metadata.defaultBudgetS : null;
  const kinds = Array.isArray(declared?.kinds) ? declared.kinds.filter((k): k is BudgetKind => (BUDGET_KINDS as readonly unknown[]).includes(k)) : [];
  const unit = (COMPUTE_UNITS as readonly unknown[]).includes(declared?.computeUnit) ? (declared!.computeUnit as ComputeUnit) : null;
  const defaultCompute = typeof declared?.defaultCompute === 'number' && declared.defaultCompute > 0 ? declared.defaultCompute : null;
  return {
    kinds: kinds.length ? [...new Set(kinds)].filter((k) => k !== 'compute' || unit !== null) : ['wall'],
    computeUnit: unit,
    defaultCompute,
    defaultBudgetS,
  };
}

const isPositiveInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 0;

/**
 * The brief's budget, or every problem with it. `legacyBudgetS` is the old top-level `budgetS`:
 * a brief with only that is a wall brief (as every brief was before compute budgets). A brief with
 * neither gets the script's default: compute when it accepts compute budgets.
 */
export function parseBudget(
  input: BudgetInput | null | undefined,
  legacyBudgetS: number | null | undefined,
  script: ScriptBudgets,
  defaults: { maxWallS: number },
): { ok: true; budget: Budget } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const at = (field: string, message: string) => errors.push({ path: ['budget', field], message });
  const kind = input?.kind ?? (legacyBudgetS != null ? 'wall' : script.kinds.includes('compute') ? 'compute' : 'wall');
  if (!(BUDGET_KINDS as readonly string[]).includes(kind)) {
    at('kind', `must be one of ${BUDGET_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
    return { ok: false, errors };
  }
  if (!script.kinds.includes(kind as BudgetKind)) {
    at('kind', `this training script does not accept ${kind} budgets (it accepts: ${script.kinds.join(', ')})`);
    return { ok: false, errors };
  }
  if (kind === 'wall') {
    if (input?.amount != null) at('amount', 'is for compute budgets; a wall budget is in seconds');
    if (input?.maxWallS != null) at('maxWallS', 'is for compute budgets; a wall budget’s seconds are its cap');
    if (input?.seconds != null && legacyBudgetS != null && input.seconds !== legacyBudgetS) {
      errors.push({ path: ['budgetS'], message: 'differs from budget.seconds; give one of them' });
    }
    const seconds = input?.seconds ?? legacyBudgetS ?? script.defaultBudgetS;
    const secondsPath = input?.seconds != null || legacyBudgetS == null ? ['budget', 'seconds'] : ['budgetS'];
    if (seconds == null) errors.push({ path: secondsPath, message: 'is required for a wall budget' });
    else if (!isPositiveInt(seconds)) errors.push({ path: secondsPath, message: `must be a positive whole number of seconds, got ${seconds}` });
    else if (seconds > MAX_BUDGET_S) errors.push({ path: secondsPath, message: 'must be at most 24 hours' });
    const hardware = input?.hardware ?? 'cpu';
    if (!(RATE_CLASSES as readonly string[]).includes(hardware)) at('hardware', `must be one of ${RATE_CLASSES.join(', ')}, got ${JSON.stringify(hardware)}`);
    if (errors.length) return { ok: false, errors };
    return { ok: true, budget: { kind: 'wall', seconds: seconds!, hardware: hardware as RateClass } };
  }
  const unit = script.computeUnit!;
  if (input?.seconds != null) at('seconds', 'is for wall budgets; a compute budget’s wall-clock cap is maxWallS');
  if (input?.hardware != null) at('hardware', 'is for wall budgets; a compute budget runs on any class');
  const amount = input?.amount ?? script.defaultCompute;
  if (amount == null) at('amount', `is required: training ${unit} per task`);
  else if (!Number.isFinite(amount) || amount <= 0) at('amount', `must be a positive number of training ${unit}, got ${amount}`);
  else if (unit === 'tokens' && !Number.isInteger(amount)) at('amount', `must be a whole number of tokens, got ${amount}`);
  else if (amount > MAX_COMPUTE[unit]) at('amount', `must be at most ${MAX_COMPUTE[unit]} ${unit}`);
  // The old top-level budgetS, sent with a compute budget, is read as its cap.
  const maxWallS = input?.maxWallS ?? legacyBudgetS ?? defaults.maxWallS;
  const capPath = input?.maxWallS != null || legacyBudgetS == null ? ['budget', 'maxWallS'] : ['budgetS'];
  if (!isPositiveInt(maxWallS)) errors.push({ path: capPath, message: `must be a positive whole number of seconds, got ${maxWallS}` });
  else if (maxWallS > MAX_BUDGET_S) errors.push({ path: capPath, message: 'must be at most 24 hours' });
  if (errors.length) return { ok: false, errors };
  return { ok: true, budget: { kind: 'compute', unit, amount: amount!, maxWallS } };
}

/**
 * A budget multiplied by an ASHA rung's scale: a wall budget's seconds, or a compute budget's work
 * and its wall-clock cap (more work needs more time), capped at the platform's limits.
 */
export function scaleBudget(budget: Budget, scale: number): Budget {
  if (scale === 1) return budget;
  if (budget.kind === 'wall') return { ...budget, seconds: Math.min(MAX_BUDGET_S, Math.max(1, Math.round(budget.seconds * scale))) };
  return {
    ...budget,
    amount: Math.min(MAX_COMPUTE[budget.unit], budget.amount * scale),
    maxWallS: Math.min(MAX_BUDGET_S, Math.max(1, Math.round(budget.maxWallS * scale))),
  };
}

/** The per-task wall seconds stored as budget_s: a wall budget's seconds, a compute budget's cap. */
export function budgetSeconds(budget: Budget): number {
  return budget.kind === 'wall' ? budget.seconds : budget.maxWallS;
}

export function pricedBudget(budget: Budget): PricedBudget {
  return budget.kind === 'wall'
    ? { kind: 'wall', seconds: budget.seconds, rateClass: budget.hardware }
    : { kind: 'compute', unit: budget.unit, amount: budget.amount };
}

/** The config keys that carry a compute budget to the script (the manifest's unit). */
export function computeBudgetKey(unit: ComputeUnit): 'budget_tokens' | 'budget_flops' {
  return unit === 'tokens' ? 'budget_tokens' : 'budget_flops';
}

/** A stored campaign's or task's budget columns as a Budget. */
export function budgetOf(row: {
  budgetKind: BudgetKind;
  budgetS: number;
  budgetUnit?: ComputeUnit | null;
  budgetAmount?: number | string | null;
  budgetHardware?: RateClass | null;
  deviceClass?: RateClass | null;
}): Budget {
  if (row.budgetKind === 'compute' && row.budgetUnit && row.budgetAmount != null) {
    return { kind: 'compute', unit: row.budgetUnit, amount: Number(row.budgetAmount), maxWallS: row.budgetS };
  }
  return { kind: 'wall', seconds: row.budgetS, hardware: row.budgetHardware ?? row.deviceClass ?? 'cpu' };
}
