// A brief's per-task budget: wall seconds on one hardware class, or a fixed amount of compute
// (training tokens or FLOPs, the unit the script declares) with an optional wall-clock cap.
import type { BudgetInput, BudgetKind, RateClass } from '../../gql/graphql';

export interface BudgetText {
  kind: BudgetKind;
  seconds: string;
  hardware: RateClass;
  amount: string;
  maxWallS: string;
}

/** What a script accepts: WALL only when it declares nothing. */
export function budgetKindsOf(script: { budgetKinds?: readonly BudgetKind[] | null } | undefined): BudgetKind[] {
  return script?.budgetKinds?.length ? [...script.budgetKinds] : ['WALL'];
}

function whole(text: string): number | null {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

/** The BudgetInput the API takes, or the form's messages keyed by field (`budgetS`, `budget.amount`, …). */
export function parseBudget(text: BudgetText): { budget: BudgetInput | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (text.kind === 'WALL') {
    const seconds = whole(text.seconds);
    if (seconds === null) errors.budgetS = 'Enter a whole number of seconds.';
    return { budget: seconds === null ? null : { kind: 'WALL', seconds, hardware: text.hardware }, errors };
  }
  const amount = Number(text.amount.trim());
  if (!text.amount.trim() || !Number.isFinite(amount) || amount <= 0) errors['budget.amount'] = 'Enter an amount above 0 (e.g. 2e6).';
  const cap = text.maxWallS.trim() ? whole(text.maxWallS) : null;
  if (text.maxWallS.trim() && cap === null) errors['budget.maxWallS'] = 'Enter a whole number of seconds, or leave it empty for the default.';
  if (Object.keys(errors).length) return { budget: null, errors };
  return { budget: { kind: 'COMPUTE', amount, ...(cap !== null ? { maxWallS: cap } : {}) }, errors };
}
