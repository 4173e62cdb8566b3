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
  QuotaExceededError,
  StaleLeaseError,
  UnauthenticatedError,
  ValidationError,
  type FieldError,
} from '../../errors.ts';
import { builder } from '../builder.ts';

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'A failure the caller can act on. Unexpected server failures are reported as GraphQL errors instead.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

const FieldErrorRef = builder.objectRef<FieldError>('FieldError').implement({
  description: 'One invalid input field, addressed by its path (e.g. ["searchSpace", "lr", "low"]).',
  fields: (t) => ({
    path: t.exposeStringList('path'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(UnauthenticatedError, {
  name: 'UnauthenticatedError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof UnauthenticatedError,
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ForbiddenError,
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({ resource: t.exposeString('resource') }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ fieldErrors: t.field({ type: [FieldErrorRef], resolve: (error) => error.fieldErrors }) }),
});

builder.objectType(InvalidStateError, {
  name: 'InvalidStateError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidStateError,
});

const LeaseRejectionEnum = builder.enumType('LeaseRejection', {
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
    reason: t.field({ type: LeaseRejectionEnum, resolve: (error) => error.reason }),
  }),
});

builder.objectType(InsufficientCreditsError, {
  name: 'InsufficientCreditsError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InsufficientCreditsError,
  fields: (t) => ({ required: t.exposeFloat('required'), available: t.exposeFloat('available') }),
});

builder.objectType(PayloadTooLargeError, {
  name: 'PayloadTooLargeError',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof PayloadTooLargeError,
  fields: (t) => ({ limitBytes: t.exposeInt('limitBytes') }),
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

