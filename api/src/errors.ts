// Expected failures. Each becomes a typed member of a GraphQL result union; anything else stays masked.

export interface FieldError {
  path: string[];
  message: string;
}

export class AppError extends Error {
  override name = 'AppError';
}

export class UnauthenticatedError extends AppError {
  override name = 'UnauthenticatedError';
  constructor(message = 'a valid API token is required: send "Authorization: Bearer <token>"') {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  readonly resource: string;
  constructor(resource: string, message = `${resource} not found`) {
    super(message);
    this.resource = resource;
  }
}

export class ValidationError extends AppError {
  override name = 'ValidationError';
  readonly fieldErrors: FieldError[];
  constructor(fieldErrors: FieldError[], message?: string) {
    super(message ?? summarize(fieldErrors));
    this.fieldErrors = fieldErrors;
  }
}

export class InvalidStateError extends AppError {
  override name = 'InvalidStateError';
}

export const LEASE_REJECTIONS = ['expired', 'not_holder', 'finished', 'released', 'cancelled'] as const;
export type LeaseRejection = (typeof LEASE_REJECTIONS)[number];

/** The lease token no longer (or never did) grant this worker the task; nothing was changed. */
export class StaleLeaseError extends AppError {
  override name = 'StaleLeaseError';
  readonly reason: LeaseRejection;
  readonly taskId: string;
  constructor(taskId: string, reason: LeaseRejection, message: string) {
    super(message);
    this.taskId = taskId;
    this.reason = reason;
  }
}

export class InsufficientCreditsError extends AppError {
  override name = 'InsufficientCreditsError';
  readonly required: number;
  readonly available: number;
  constructor(required: number, available: number) {
    super(`this brief costs ${required} credits but the balance is ${available}`);
    this.required = required;
    this.available = available;
  }
}

/** More experiments proposed than the campaign's task budget has left; nothing was created. */
export class TaskBudgetExceededError extends AppError {
  override name = 'TaskBudgetExceededError';
  readonly requested: number;
  readonly remaining: number;
  constructor(requested: number, remaining: number, message?: string) {
    super(message ?? `${requested} experiments were proposed but the campaign's task budget has ${remaining} left`);
    this.requested = requested;
    this.remaining = remaining;
  }
}

export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  readonly limitBytes: number;
  constructor(what: string, limitBytes: number) {
    super(`${what} exceeds the limit of ${limitBytes} bytes`);
    this.limitBytes = limitBytes;
  }
}

/** Too many requests of a kind (anonymous registrations): try again after retryAfterSeconds. */
export class RateLimitedError extends AppError {
  override name = 'RateLimitedError';
  readonly retryAfterSeconds: number;
  readonly scope: 'address' | 'global';
  constructor(scope: 'address' | 'global', retryAfterSeconds: number, what = 'anonymous registrations') {
    const who = scope === 'address' ? 'from this address' : 'on this server';
    super(`too many ${what} ${who}: try again in ${retryAfterSeconds} s (or register with an account token)`);
    this.scope = scope;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The worker's owner was excluded from leasing (too many invalid results); an admin can reinstate. */
export class ExcludedError extends AppError {
  override name = 'ExcludedError';
  readonly reason: string;
  constructor(reason: string) {
    super(`this worker's owner is excluded from leasing: ${reason}`);
    this.reason = reason;
  }
}

/** The worker leased its whole daily quota (BOINC's max_jobs_per_day); valid results raise it. */
export class QuotaExceededError extends AppError {
  override name = 'QuotaExceededError';
  readonly quota: number;
  readonly retryAfterS: number;
  constructor(quota: number, retryAfterS: number) {
    super(`this worker has leased its daily quota of ${quota} tasks; it doubles with each valid result. Try again in ${retryAfterS} s`);
    this.quota = quota;
    this.retryAfterS = retryAfterS;
  }
}

/** NotFoundError → NOT_FOUND, StaleLeaseError → STALE_LEASE: the code clients see outside unions. */
export function appErrorCode(error: AppError): string {
  return error.name
    .replace(/Error$/, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

function summarize(fieldErrors: FieldError[]): string {
  const first = fieldErrors[0];
  if (!first) return 'invalid input';
  const more = fieldErrors.length > 1 ? ` (and ${fieldErrors.length - 1} more)` : '';
  // Messages from the result contract already start with their field's name.
  if (first.path.length === 1 && first.message.startsWith(`${first.path[0]} `)) return `${first.message}${more}`;
  return `${first.path.join('.') || 'input'}: ${first.message}${more}`;
}
