import type { z } from 'zod';
import { type FieldError, ValidationError } from '../errors.ts';

/** Row keys: UUIDs for everything but artifacts, which are keyed by the SHA-256 of their bytes. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Parses service input with zod and turns every issue into a field-level error. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(zodFieldErrors(result.error));
}

export function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message }));
}
