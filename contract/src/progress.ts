// What a heartbeat may carry as progress. Every field is optional; a present one must be valid.
import { MAX_PROGRESS_MESSAGE_CHARS, MAX_REASON_CHARS } from './limits.ts';
import { checkSteps, checkWallS, type FieldCheck } from './result.ts';
import { stringProblem } from './text.ts';

export interface Progress {
  step?: number | null;
  trainLoss?: number | null;
  elapsedS?: number | null;
  message?: string | null;
}

const optional =
  (check: FieldCheck): FieldCheck =>
  (value, name) =>
    value === undefined || value === null ? null : check(value, name);

const checkLoss: FieldCheck = (value, name) =>
  typeof value === 'number' && Number.isFinite(value) ? null : `${name} must be a finite number, got ${String(value)}`;

/** A short free-text line: at most `maxChars`, storable. */
export function checkText(maxChars: number): FieldCheck {
  return (value, name) => {
    if (typeof value !== 'string') return `${name} must be text`;
    if (value.length > maxChars) return `${name} must be at most ${maxChars} characters, got ${value.length}`;
    const problem = stringProblem(value);
    return problem && `${name} ${problem}`;
  };
}

export const PROGRESS_CHECKS: { [K in keyof Progress]-?: FieldCheck } = {
  step: optional(checkSteps),
  trainLoss: optional(checkLoss),
  elapsedS: optional(checkWallS),
  message: optional(checkText(MAX_PROGRESS_MESSAGE_CHARS)),
};

/** A failure reason: required, not blank, at most MAX_REASON_CHARS, storable. */
export const checkReason: FieldCheck = (value, name) => {
  if (typeof value !== 'string' || !value.trim()) return `${name} is required`;
  return checkText(MAX_REASON_CHARS)(value, name);
};
