import { RUN_OUTCOMES, RunResult, type RunOutcome } from '../../db/entities/run-result.entity.ts';
import { builder } from '../builder.ts';
import { toNumber } from './scalars.ts';
import { WorkerRef } from './worker.ts';

const RunOutcomeEnum = builder.enumType('RunOutcome', {
  values: Object.fromEntries(RUN_OUTCOMES.map((outcome) => [outcome.toUpperCase(), { value: outcome }])) as Record<
    Uppercase<RunOutcome>,
    { value: RunOutcome }
  >,
});

export const RunResultRef = builder.objectRef<RunResult>('RunResult');

builder.objectType(RunResultRef, {
  isTypeOf: (value) => value instanceof RunResult,
  description: 'What one attempt produced: metrics when it succeeded, the reason and output tails when not.',
  fields: (t) => ({
    id: t.exposeID('id'),
    outcome: t.field({ type: RunOutcomeEnum, resolve: (result) => result.outcome }),
    accepted: t.exposeBoolean('accepted'),
    simulated: t.exposeBoolean('simulated'),
    attempt: t.exposeInt('attempt'),
    worker: t.field({
      type: WorkerRef,
      nullable: true,
      resolve: (result, _args, ctx) => (result.worker ? ctx.services.workers.find(ctx.viewer, result.worker.id) : null),
    }),
    valBpb: t.float({ nullable: true, resolve: (result) => toNumber(result.valBpb) }),
    trainLoss: t.float({ nullable: true, resolve: (result) => toNumber(result.trainLoss) }),
    steps: t.int({ nullable: true, resolve: (result) => result.steps ?? null }),
    wallS: t.float({ nullable: true, resolve: (result) => toNumber(result.wallS) }),
    hardwareClass: t.string({
      nullable: true,
      description: 'device|torch build|CPU kernels|threads, from the result line (null when it does not say).',
      resolve: (result) => result.hardwareClass ?? null,
    }),
    metrics: t.field({ type: 'JSON', nullable: true, description: 'The script’s full final JSON line.', resolve: (result) => result.metrics ?? null }),
    stdoutTail: t.string({ nullable: true, resolve: (result) => result.stdoutTail ?? null }),
    stderrTail: t.string({ nullable: true, resolve: (result) => result.stderrTail ?? null }),
    error: t.string({ nullable: true, resolve: (result) => result.error ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (result) => result.createdAt }),
  }),
});
