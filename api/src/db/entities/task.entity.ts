import { defineEntity, p } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.ts';
import { Worker } from './worker.entity.ts';

export const TASK_STATUSES = ['queued', 'leased', 'succeeded', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** What a result is worth once replicas compared it (modules/verification). */
export const VALIDATION_STATES = ['pending', 'valid', 'invalid', 'inconclusive'] as const;
export type ValidationState = (typeof VALIDATION_STATES)[number];

/** explore: proposed by the strategy (or agent); confirm: a replicate of a top config with a new seed. */
export const TASK_ROLES = ['explore', 'confirm'] as const;
export type TaskRole = (typeof TASK_ROLES)[number];
/** autoresearch's results.tsv status: better than its reference (keep), not better (discard), no result (crash). */
export const TASK_MARKS = ['keep', 'discard', 'crash'] as const;
export type TaskMark = (typeof TASK_MARKS)[number];

export interface TaskProgress {
  step?: number | null;
  trainLoss?: number | null;
  elapsedS?: number | null;
  message?: string | null;
}

const TaskSchema = defineEntity({
  name: 'Task',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    campaign: () => p.manyToOne(Campaign).ref().deleteRule('cascade'),
    index: p.integer(),
    config: p.json<Record<string, unknown>>(),
    seed: p.integer(),
    /** Wall seconds (a wall budget) or the most any machine may take (a compute budget). */
    budgetS: p.integer(),
    /** Multiplier of the campaign's base budget (ASHA rungs); budgetS already includes it. */
    budgetScale: p.double().default(1),
    /** One line: what changed and why. */
    description: p.text().nullable(),
    /** The task this one was derived from (same campaign); no foreign key, tasks go with their campaign. */
    parentTaskId: p.uuid().nullable(),
    /** Machine-readable provenance: strategy name and its inputs. */
    derivedFrom: p.json<Record<string, unknown>>().nullable(),
    role: p.enum([...TASK_ROLES]).default('explore'),
    mark: p.enum([...TASK_MARKS]).nullable(),
    /** The task whose result the mark compared against (the parent, or the best so far). */
    markAgainstTaskId: p.uuid().nullable(),
    budgetKind: p.enum(['wall', 'compute']).default('wall'),
    budgetUnit: p.enum(['tokens', 'flops']).nullable(),
    budgetAmount: p.double().nullable(),
    /** Wall budgets: only workers of this class (cpu, gpu) lease it. */
    deviceClass: p.enum(['cpu', 'gpu']).nullable(),
    /** The wall-clock cap the current (or last) lease gave the script as budget_s: fitted to the worker's measured speed. */
    leaseCapS: p.integer().nullable(),
    /** Copied from the accepted result: device, torch build, threads and CPU kernels it ran with. */
    hardwareClass: p.string().length(300).nullable(),
    status: p.enum([...TASK_STATUSES]).default('queued'),
    priority: p.integer().default(0),
    attempts: p.integer().default(0),
    maxAttempts: p.integer(),
    reward: p.bigint('number').default(0),
    worker: () => p.manyToOne(Worker).ref().nullable().deleteRule('set null'),
    leaseToken: p.uuid().nullable(),
    leaseExpiresAt: p.datetime().nullable(),
    leasedAt: p.datetime().nullable(),
    heartbeatAt: p.datetime().nullable(),
    progress: p.json<TaskProgress>().nullable(),
    failureReason: p.text().nullable(),
    // Copied from the accepted result so ordering and aggregates stay within one table.
    valBpb: p.double().nullable(),
    simulated: p.boolean().default(false),
    // Verification: a replica runs its original's config, seed and step count on another worker.
    replicaOf: () => p.manyToOne(Task).ref().nullable().deleteRule('cascade').index(),
    /** The original's verdict over its replicas (null: not verified, e.g. verification off). */
    validation: p.enum([...VALIDATION_STATES]).nullable(),
    /** The result statistics use: the majority's, once valid. */
    canonicalResultId: p.uuid().nullable(),
    /** Owners whose workers may not take this replica (the results it checks are theirs). */
    excludedAccountIds: p.array().nullable(),
    /** Only an established or trusted worker may take this replica. */
    needsEstablished: p.boolean().default(false),
    finishedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  // Replicas keep their original's index; only originals are unique.
  uniques: [
    {
      name: 'task_campaign_id_index_unique',
      expression: 'create unique index "task_campaign_id_index_unique" on "task" ("campaign_id", "index") where "replica_of_id" is null',
    },
  ],
  indexes: [
    { properties: ['campaign', 'status'] },
    { properties: ['worker', 'status'] },
    // The queue: only queued rows, in dispatch order, so a lease is one index probe.
    {
      name: 'task_queue_idx',
      expression: 'create index "task_queue_idx" on "task" ("priority" desc, "created_at", "index") where "status" = \'queued\'',
    },
    // The campaign loop marks results as they arrive: only finished, not yet marked rows.
    {
      name: 'task_unmarked_idx',
      expression: 'create index "task_unmarked_idx" on "task" ("campaign_id") where "mark" is null and "status" in (\'succeeded\', \'failed\')',
    },
    // The reaper scans only live leases.
    {
      name: 'task_lease_expiry_idx',
      expression: 'create index "task_lease_expiry_idx" on "task" ("lease_expires_at") where "status" = \'leased\'',
    },
  ],
});

export class Task extends TaskSchema.class {}
TaskSchema.setClass(Task);
