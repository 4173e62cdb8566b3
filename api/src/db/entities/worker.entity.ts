import { defineEntity, p } from '@mikro-orm/core';
import { Account } from './account.entity.ts';

export interface Hardware {
  cpu?: string | null;
  cores?: number | null;
  ramMb?: number | null;
  gpu?: string | null;
  gpuMemoryMb?: number | null;
  torchVersion?: string | null;
  pythonVersion?: string | null;
  device?: string | null;
  platform?: string | null;
}

const WorkerSchema = defineEntity({
  name: 'Worker',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    account: () => p.manyToOne(Account).ref().deleteRule('cascade'),
    name: p.string().length(200),
    hardware: p.json<Hardware>(),
    simulated: p.boolean().default(false),
    slots: p.integer().default(1),
    /** Measured training speed: a calibration at start, then refreshed from its real tasks' results. */
    tokensPerS: p.double().nullable(),
    flopsPerS: p.double().nullable(),
    speedSource: p.enum(['calibration', 'tasks']).nullable(),
    speedMeasuredAt: p.datetime().nullable(),
    // Reputation (modules/verification/reputation.ts).
    consecutiveValid: p.integer().default(0),
    validTotal: p.integer().default(0),
    strikes: p.integer().default(0),
    trusted: p.boolean().default(false),
    /** Null: the initial quota (XEENET_INITIAL_DAILY_QUOTA). */
    dailyQuota: p.integer().nullable(),
    quotaDay: p.date().nullable(),
    quotaUsed: p.integer().default(0),
    lastSeenAt: p.datetime().onCreate(() => new Date()),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Worker extends WorkerSchema.class {}
WorkerSchema.setClass(Worker);
