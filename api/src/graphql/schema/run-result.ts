import { RunResult, type RunOutcome } from '../../db/entities/run-result.entity.ts';
import { builder } from '../builder.ts';
import { describedValues } from '../described-enum.ts';
import { toNumber } from './scalars.ts';
import { WorkerRef } from './worker.ts';

const RunOutcomeEnum = builder.enumType('RunOutcome', {
  description: 'How one attempt ended.',
  values: describedValues<RunOutcome>({
    succeeded: 'The script printed a valid result line.',
    failed: 'The script or the worker reported a failure (crash, bad output, budget exceeded).',
    expired: 'The lease ran out without a report (the worker vanished or stalled).',
  }),
});

export const RunResultRef = builder.objectRef<RunResult>('RunResult');

builder.objectType(RunResultRef, {
  isTypeOf: (value) => value instanceof RunResult,
  description: 'What one attempt produced: metrics when it succeeded, the reason and output tails when not.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The result’s id.' }),
    outcome: t.field({ description: 'How the attempt ended.', type: RunOutcomeEnum, resolve: (result) => result.outcome }),
    accepted: t.exposeBoolean('accepted', { description: 'True for the result that completed the task.' }),
    simulated: t.exposeBoolean('simulated', { description: 'True when a --simulate worker produced it (not real training).' }),
    attempt: t.exposeInt('attempt', { description: 'Which lease of the task produced it (1 = first).' }),
    worker: t.field({
      description: 'The worker that ran the attempt.',
      type: WorkerRef,
      nullable: true,
      resolve: (result, _args, ctx) => (result.worker ? ctx.services.workers.find(ctx.viewer, result.worker.id) : null),
    }),
    valBpb: t.float({ description: 'Validation bits per byte (lower is better).', nullable: true, resolve: (result) => toNumber(result.valBpb) }),
    trainLoss: t.float({ description: 'Final training loss.', nullable: true, resolve: (result) => toNumber(result.trainLoss) }),
    steps: t.int({ description: 'Optimizer steps trained.', nullable: true, resolve: (result) => result.steps ?? null }),
    wallS: t.float({ description: 'Seconds the run took on the worker.', nullable: true, resolve: (result) => toNumber(result.wallS) }),
    hardwareClass: t.string({
      nullable: true,
      description: 'device|torch build|CPU kernels|threads, from the result line (null when it does not say).',
      resolve: (result) => result.hardwareClass ?? null,
    }),
    metrics: t.field({ type: 'JSON', nullable: true, description: 'The script’s full final JSON line.', resolve: (result) => result.metrics ?? null }),
    stdoutTail: t.string({ description: 'The end of the script’s stdout (bounded, UTF-8).', nullable: true, resolve: (result) => result.stdoutTail ?? null }),
    stderrTail: t.string({ description: 'The end of the script’s stderr (bounded, UTF-8).', nullable: true, resolve: (result) => result.stderrTail ?? null }),
    error: t.string({ description: 'Why the attempt failed, when it did.', nullable: true, resolve: (result) => result.error ?? null }),
    createdAt: t.field({ description: 'When the report arrived.', type: 'DateTime', resolve: (result) => result.createdAt }),
  }),
});
