// Every service parses its input here: the contract's text rules first (PostgreSQL cannot store a
// NUL or an unpaired surrogate, so such input is a ValidationError naming the field, never a
// database error), then the service's zod schema.
import { type FieldCheck, textProblems } from '@xeenet/contract';
import { z } from 'zod';
import { type FieldError, ValidationError } from '../errors.ts';

/** Row keys: UUIDs for everything but artifacts, which are keyed by the SHA-256 of their bytes. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Strings and keys anywhere in the input that could not be stored, as field errors. */
export function textFieldErrors(input: unknown, basePath: string[] = []): FieldError[] {
  return textProblems(input).map((problem) => ({ path: [...basePath, ...problem.path], message: problem.message }));
}

/** Parses service input with zod after the text rules; every issue becomes a field-level error. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const textErrors = textFieldErrors(input);
  const result = schema.safeParse(input);
  if (result.success && !textErrors.length) return result.data;
  const reported = new Set(textErrors.map((error) => error.path.join('\0')));
  const zodErrors = result.success ? [] : zodFieldErrors(result.error).filter((error) => !reported.has(error.path.join('\0')));
  throw new ValidationError([...textErrors, ...zodErrors]);
}

export function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message }));
}

/** A zod field checked by one of the contract's rules; its message is the contract's. */
export function ruled<T>(name: string, check: FieldCheck) {
  return z.unknown().transform((value, ctx) => {
    const problem = check(value, name);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return value as T;
  });
}
