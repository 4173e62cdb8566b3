// The numbers a result reports, and what makes each acceptable. A training script prints them on
// its result line in snake_case (val_bpb, train_loss, steps, wall_s); the API's ResultInput spells
// them in camelCase. The rules are the same; each check names the field as its caller spells it.
import { MAX_STEPS, MAX_VAL_BPB, MAX_WALL_OVERRUN_S, MIN_PLAUSIBLE_VAL_BPB } from './limits.ts';
import { formatPath, type Problem, textProblems } from './text.ts';

/** A rule for one value: the problem as a sentence about `name`, or null when the value is fine. */
export type FieldCheck = (value: unknown, name: string) => string | null;

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 59)}…` : json;
}

function missing(value: unknown): boolean {
  return value === undefined || value === null;
}

function finite(name: string, value: unknown): { ok: true; value: number } | { ok: false; problem: string } {
  if (missing(value)) return { ok: false, problem: `${name} is required and must be a finite number` };
  if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, problem: `${name} must be a finite number, got ${describe(value)}` };
  return { ok: true, value };
}

/** Validation bits per byte: positive, at least the plausibility floor, and at most MAX_VAL_BPB. */
export const checkValBpb: FieldCheck = (value, name) => {
  const number = finite(name, value);
  if (!number.ok) return number.problem;
  if (number.value <= 0) return `${name} must be positive, got ${number.value}`;
  if (number.value < MIN_PLAUSIBLE_VAL_BPB) {
    return `${name} must be at least ${MIN_PLAUSIBLE_VAL_BPB} bits per byte (no model of natural text gets lower at these budgets), got ${number.value}`;
  }
  if (number.value > MAX_VAL_BPB) return `${name} must be at most ${MAX_VAL_BPB} bits per byte (more is not a real measurement), got ${number.value}`;
  return null;
};

/** Training loss (nats per token): finite and never negative. */
export const checkTrainLoss: FieldCheck = (value, name) => {
  const number = finite(name, value);
  if (!number.ok) return number.problem;
  return number.value < 0 ? `${name} cannot be negative, got ${number.value}` : null;
};

/** Wall-clock seconds the run took: finite and never negative. */
export const checkWallS: FieldCheck = (value, name) => {
  const number = finite(name, value);
  if (!number.ok) return number.problem;
  return number.value < 0 ? `${name} cannot be negative, got ${number.value}` : null;
};

/** A step count: a whole number from 0 to MAX_STEPS (it is stored as a 32-bit integer). */
export const checkSteps: FieldCheck = (value, name) => {
  if (missing(value)) return `${name} is required and must be a non-negative integer`;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return `${name} must be a non-negative integer, got ${describe(value)}`;
  if (value > MAX_STEPS) return `${name} must be at most ${MAX_STEPS}, got ${value}`;
  return null;
};

/** The API's ResultInput numbers, all required. */
export interface ResultNumbers {
  valBpb: number;
  trainLoss: number;
  steps: number;
  wallS: number;
}

export const RESULT_CHECKS: { [K in keyof ResultNumbers]: FieldCheck } = {
  valBpb: checkValBpb,
  trainLoss: checkTrainLoss,
  steps: checkSteps,
  wallS: checkWallS,
};

/** How the script's result line spells each number. */
export const RESULT_LINE_KEYS: { [K in keyof ResultNumbers]: string } = {
  valBpb: 'val_bpb',
  trainLoss: 'train_loss',
  steps: 'steps',
  wallS: 'wall_s',
};

/** Problems with a reported result's numbers, in the API's spelling (path ["valBpb"], ...). */
export function resultProblems(result: Partial<Record<keyof ResultNumbers, unknown>>): Problem[] {
  const problems: Problem[] = [];
  for (const field of Object.keys(RESULT_CHECKS) as (keyof ResultNumbers)[]) {
    const problem = RESULT_CHECKS[field](result[field], field);
    if (problem) problems.push({ path: [field], message: problem });
  }
  return problems;
}

/**
 * Problems with a script's result line (empty when the worker may report it): the numbers in the
 * line's spelling (wall_s may be left out: the worker then reports the time it measured), and
 * every string and key in the line, since the whole line is stored as the result's metrics.
 */
export function resultLineProblems(line: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const field of Object.keys(RESULT_CHECKS) as (keyof ResultNumbers)[]) {
    const key = RESULT_LINE_KEYS[field];
    if (field === 'wallS' && line[key] === undefined) continue;
    const problem = RESULT_CHECKS[field](line[key], key);
    if (problem) problems.push(problem);
  }
  for (const problem of textProblems(line)) {
    problems.push(`${problem.path.length ? formatPath(problem.path) : 'the line'} ${problem.message}`);
  }
  return problems;
}

/** What a task allows: its budget_s (a wall budget, or a compute budget's safety cap) and its config. */
export interface TaskBudget {
  budgetS: number;
  config: Record<string, unknown>;
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * Problems with a result's numbers against its task's budget, in the API's spelling: more steps
 * than max_steps or a token budget allows, more tokens than the budget, a wall time past the cap.
 * `tokens` is the result line's own count, when it reports one.
 */
export function budgetProblems(result: { steps: number; wallS: number; tokens?: unknown }, task: TaskBudget): Problem[] {
  const problems: Problem[] = [];
  const { config } = task;
  const maxSteps = positiveInteger(config.max_steps);
  if (maxSteps !== null && result.steps > maxSteps) {
    problems.push({ path: ['steps'], message: `steps cannot exceed the task's max_steps of ${maxSteps}, got ${result.steps}` });
  }
  const budgetTokens = positiveInteger(config.budget_tokens);
  const tokensPerStep = (positiveInteger(config.batch_size) ?? 0) * (positiveInteger(config.block_size) ?? 0);
  if (budgetTokens !== null && tokensPerStep > 0 && result.steps > Math.floor(budgetTokens / tokensPerStep)) {
    problems.push({
      path: ['steps'],
      message: `steps cannot exceed the ${Math.floor(budgetTokens / tokensPerStep)} that a budget of ${budgetTokens} tokens allows, got ${result.steps}`,
    });
  }
  if (budgetTokens !== null && typeof result.tokens === 'number' && result.tokens > budgetTokens) {
    problems.push({ path: ['metrics', 'tokens'], message: `tokens cannot exceed the task's budget of ${budgetTokens}, got ${result.tokens}` });
  }
  const capS = task.budgetS + MAX_WALL_OVERRUN_S;
  if (result.wallS > capS) {
    problems.push({ path: ['wallS'], message: `wallS cannot exceed the task's cap of ${capS} s (budget_s ${task.budgetS} + ${MAX_WALL_OVERRUN_S}), got ${result.wallS}` });
  }
  return problems;
}
