// What a worker may send in the lease protocol, parsed with the contract's rules (shared with the
// worker, which checks a script's result line with the same functions before reporting it).
import {
  checkReason,
  MAX_METRICS_BYTES,
  MAX_TAIL_BYTES,
  PROGRESS_CHECKS,
  type Progress,
  RESULT_CHECKS,
  type ResultNumbers,
} from '@xeenet/contract';
import { z } from 'zod';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '../../errors.ts';
import { parseInput, ruled, UUID_PATTERN } from '../validation.ts';
import { hardwareClassOf } from './hardware-class.ts';
import type { LeaseClaim } from './lease-state.ts';
import { REFUSAL_CODES, type RefusalCode } from './sql/refuse-task.ts';

const claimSchema = z.object({
  taskId: z.string().regex(UUID_PATTERN, 'is not a task id'),
  leaseToken: z.string().regex(UUID_PATTERN, 'is not a lease token'),
});

const progressSchema = z
  .object({
    step: ruled<number | null | undefined>('step', PROGRESS_CHECKS.step).optional(),
    trainLoss: ruled<number | null | undefined>('trainLoss', PROGRESS_CHECKS.trainLoss).optional(),
    elapsedS: ruled<number | null | undefined>('elapsedS', PROGRESS_CHECKS.elapsedS).optional(),
    message: ruled<string | null | undefined>('message', PROGRESS_CHECKS.message).optional(),
  })
  .nullish();

const resultSchema = z.object({
  valBpb: ruled<number>('valBpb', RESULT_CHECKS.valBpb),
  trainLoss: ruled<number>('trainLoss', RESULT_CHECKS.trainLoss),
  steps: ruled<number>('steps', RESULT_CHECKS.steps),
  wallS: ruled<number>('wallS', RESULT_CHECKS.wallS),
  metrics: z.record(z.string(), z.unknown()).nullish(),
  stdoutTail: z.string().nullish(),
  simulated: z.boolean().default(false),
});

const failureSchema = z.object({
  reason: ruled<string>('reason', checkReason).transform((reason) => reason.trim()),
  stdoutTail: z.string().nullish(),
  stderrTail: z.string().nullish(),
  retryable: z.boolean().default(true),
});

export interface ReportedResult extends ResultNumbers {
  metricsJson: string | null;
  /** hardwareClassOf(metrics), null when the metrics do not say. */
  hardwareClass: string | null;
  stdoutTail: string | null;
  simulated: boolean;
}

export interface ReportedFailure {
  reason: string;
  stdoutTail: string | null;
  stderrTail: string | null;
  retryable: boolean;
}

function checkTail(value: string | null | undefined, field: string): void {
  if (value && Buffer.byteLength(value, 'utf8') > MAX_TAIL_BYTES) throw new PayloadTooLargeError(field, MAX_TAIL_BYTES);
}

/** A lease claim: a task id that is not a UUID names no task; a malformed token is a field error. */
export function parseClaim(workerId: string, input: { taskId: string; leaseToken: string }): LeaseClaim {
  const parsed = claimSchema.safeParse(input);
  if (!parsed.success) {
    if (parsed.error.issues.some((issue) => issue.path[0] === 'taskId')) throw new NotFoundError('task', 'no task has this id');
    throw new ValidationError([{ path: ['leaseToken'], message: 'is not a lease token' }]);
  }
  return { taskId: parsed.data.taskId.toLowerCase(), leaseToken: parsed.data.leaseToken.toLowerCase(), workerId };
}

export function parseProgress(input: unknown): Progress | null {
  return parseInput(progressSchema, input) ?? null;
}

export function parseResult(input: unknown): ReportedResult {
  const result = parseInput(resultSchema, input);
  checkTail(result.stdoutTail, 'stdoutTail');
  const metricsJson = result.metrics ? JSON.stringify(result.metrics) : null;
  if (metricsJson && Buffer.byteLength(metricsJson, 'utf8') > MAX_METRICS_BYTES) throw new PayloadTooLargeError('metrics', MAX_METRICS_BYTES);
  return {
    valBpb: result.valBpb,
    trainLoss: result.trainLoss,
    steps: result.steps,
    wallS: result.wallS,
    metricsJson,
    hardwareClass: hardwareClassOf(result.metrics),
    stdoutTail: result.stdoutTail ?? null,
    simulated: result.simulated,
  };
}

export function parseFailure(input: unknown): ReportedFailure {
  const failure = parseInput(failureSchema, input);
  checkTail(failure.stdoutTail, 'stdoutTail');
  checkTail(failure.stderrTail, 'stderrTail');
  return { reason: failure.reason, stdoutTail: failure.stdoutTail ?? null, stderrTail: failure.stderrTail ?? null, retryable: failure.retryable };
}

const refusalSchema = z.object({
  code: z.enum(REFUSAL_CODES),
  reason: ruled<string>('reason', checkReason).transform((reason) => reason.trim()),
});

export function parseRefusal(input: unknown): { code: RefusalCode; reason: string } {
  return parseInput(refusalSchema, input);
}
