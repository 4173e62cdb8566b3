// Expected failures as GraphQL types. Every one implements the Error interface, so a client can
// always ask `... on Error { message }` and add fragments for the details it cares about.
import type { AppError, LEASE_REJECTIONS } from '../../errors.ts';
import {
  ExcludedError,
  ForbiddenError,
  InsufficientCreditsError,
  InvalidStateError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  QuotaExceededError,
  StaleLeaseError,
  TaskBudgetExceededError,
  UnauthenticatedError,
  ValidationError,
  type FieldError,
} from '../../errors.ts';
import { builder } from '../builder.ts';

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'A failure the caller can act on. Unexpected server failures are reported as GraphQL errors instead.',
  fields: (t) => ({ message: t.exposeString('message', { description: 'What went wrong, in words a person can act on.' }) }),
});

const FieldErrorRef = builder.objectRef<FieldError>('FieldError').implement({
  description: 'One invalid input field, addressed by its path (e.g. ["searchSpace", "lr", "low"]).',
  fields: (t) => ({
    path: t.exposeStringList('path', { description: 'Path of the field in the input, outermost first.' }),
    message: t.exposeString('message', { description: 'What is wrong with the field’s value.' }),
  }),
});

builder.objectType(UnauthenticatedError, {
  name: 'UnauthenticatedError',
  description: 'The request carries no valid token, or the wrong kind (an account token where a worker token is needed, or the reverse).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof UnauthenticatedError,
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'The caller is known but may not do this (wrong role, or not the owner).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ForbiddenError,
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The object does not exist or is not visible to the caller.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({ resource: t.exposeString('resource', { description: 'The kind of object that was not found (Campaign, Task, …).' }) }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input was refused; `fieldErrors` says which fields and why. Nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ fieldErrors: t.field({ type: [FieldErrorRef], description: 'One entry per invalid field.', resolve: (error) => error.fieldErrors }) }),
});

builder.objectType(InvalidStateError, {
  name: 'InvalidStateError',
  description: 'The object is not in a state that allows this (e.g. cancelling a finished campaign).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidStateError,
});

const LeaseRejectionEnum = builder.enumType('LeaseRejection', {
  description: 'Why a lease token no longer holds its task.',
  values: {
    EXPIRED: { value: 'expired', description: 'The lease ran out and the task was requeued or leased again.' },
    NOT_HOLDER: { value: 'not_holder', description: 'The lease belongs to another worker.' },
    FINISHED: { value: 'finished', description: 'The task already succeeded or failed.' },
    RELEASED: { value: 'released', description: 'The lease was released or reported as failed.' },
    CANCELLED: { value: 'cancelled', description: 'The campaign was cancelled: stop working on the task.' },
  } satisfies Record<string, { value: (typeof LEASE_REJECTIONS)[number]; description: string }>,
});

builder.objectType(StaleLeaseError, {
  name: 'StaleLeaseError',
  description: 'The lease token does not hold this task (any more). Nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof StaleLeaseError,
  fields: (t) => ({
    reason: t.field({ type: LeaseRejectionEnum, description: 'Why the lease no longer holds.', resolve: (error) => error.reason }),
  }),
});

builder.objectType(InsufficientCreditsError, {
  name: 'InsufficientCreditsError',
  description: 'The wallet cannot pay for this (or is in debt); nothing was reserved.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InsufficientCreditsError,
  fields: (t) => ({
    required: t.exposeFloat('required', { description: 'Credits the action needs.' }),
    available: t.exposeFloat('available', { description: 'Credits the wallet holds (negative when in debt).' }),
  }),
});

builder.objectType(PayloadTooLargeError, {
  name: 'PayloadTooLargeError',
  description: 'A value or upload is over its size limit; nothing was stored.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof PayloadTooLargeError,
  fields: (t) => ({ limitBytes: t.exposeInt('limitBytes', { description: 'The limit, in bytes.' }) }),
});

builder.objectType(TaskBudgetExceededError, {
  name: 'TaskBudgetExceededError',
  description: "More experiments were proposed than the campaign's task budget (or its in-flight limit) allows now; nothing was created.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof TaskBudgetExceededError,
  fields: (t) => ({
    requested: t.exposeInt('requested', { description: 'Experiments in the rejected call.' }),
    remaining: t.exposeInt('remaining', { description: 'How many the campaign can take now.' }),
  }),
});

const RateLimitScopeEnum = builder.enumType('RateLimitScope', {
  description: 'Which limit refused the request.',
  values: {
    ADDRESS: { value: 'address', description: 'The limit per client address.' },
    GLOBAL: { value: 'global', description: 'The limit over all clients together.' },
  } as const,
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many requests of this kind (anonymous worker registrations); nothing was created.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitedError,
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { description: 'Whole seconds until one more request would be accepted.' }),
    scope: t.field({ type: RateLimitScopeEnum, description: 'The per-address or the server-wide limit.', resolve: (error) => error.scope }),
  }),
});

builder.objectType(ExcludedError, {
  name: 'ExcludedError',
  description: 'The worker and its owner are excluded from leasing after too many invalid results; an admin can reinstate them.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ExcludedError,
  fields: (t) => ({ reason: t.exposeString('reason', { description: 'Why the owner was excluded (the strikes that led to it).' }) }),
});

builder.objectType(QuotaExceededError, {
  name: 'QuotaExceededError',
  description: 'The worker leased its daily task quota; each valid result doubles it, each invalid one halves it.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof QuotaExceededError,
  fields: (t) => ({
    quota: t.exposeInt('quota', { description: 'Tasks this worker may lease per day (UTC) now.' }),
    retryAfterS: t.exposeInt('retryAfterS', { description: 'Seconds until the quota resets (the next UTC day).' }),
  }),
});

/** The failures any authenticated mutation can return. */
export const AUTH_ERRORS = [UnauthenticatedError, ForbiddenError];

