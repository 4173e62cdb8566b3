import { defineEntity, p } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.ts';
import { Task, VALIDATION_STATES } from './task.entity.ts';
import { Worker } from './worker.entity.ts';

export const RUN_OUTCOMES = ['succeeded', 'failed', 'expired'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];
/** pending: earns once valid; granted: paid; none: earns nothing (simulated, invalid, inconclusive); clawed_back. */
export const CREDIT_STATES = ['pending', 'granted', 'none', 'clawed_back'] as const;
export type CreditState = (typeof CREDIT_STATES)[number];

/** One attempt's outcome: metrics when it succeeded, the reason when it did not. */
const RunResultSchema = defineEntity({
  name: 'RunResult',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    task: () => p.manyToOne(Task).ref().deleteRule('cascade').index(),
    campaign: () => p.manyToOne(Campaign).ref().deleteRule('cascade'),
    worker: () => p.manyToOne(Worker).ref().nullable().deleteRule('set null'),
    leaseToken: p.uuid().nullable(),
    attempt: p.integer(),
    outcome: p.enum([...RUN_OUTCOMES]),
    accepted: p.boolean().default(false),
    simulated: p.boolean().default(false),
    valBpb: p.double().nullable(),
    trainLoss: p.double().nullable(),
    steps: p.integer().nullable(),
    wallS: p.double().nullable(),
    /** hardwareClassOf(metrics): results of one class replay bit-identically. */
    hardwareClass: p.string().length(300).nullable(),
    metrics: p.json<Record<string, unknown>>().nullable(),
    stdoutTail: p.text().nullable(),
    stderrTail: p.text().nullable(),
    error: p.text().nullable(),
    validation: p.enum([...VALIDATION_STATES]).nullable(),
    creditState: p.enum([...CREDIT_STATES]).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [
    { properties: ['campaign', 'accepted'] },
    {
      name: 'run_result_pending_idx',
      expression: 'create index "run_result_pending_idx" on "run_result" ("worker_id") where "validation" = \'pending\'',
    },
  ],
});

export class RunResult extends RunResultSchema.class {}
RunResultSchema.setClass(RunResult);
