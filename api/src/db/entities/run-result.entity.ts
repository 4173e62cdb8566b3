import { defineEntity, p } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.ts';
import { Task } from './task.entity.ts';
import { Worker } from './worker.entity.ts';

export const RUN_OUTCOMES = ['succeeded', 'failed', 'expired'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

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
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['campaign', 'accepted'] }],
});

export class RunResult extends RunResultSchema.class {}
RunResultSchema.setClass(RunResult);
