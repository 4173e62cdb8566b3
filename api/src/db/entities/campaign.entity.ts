import { defineEntity, p } from '@mikro-orm/core';
import { Account } from './account.entity.ts';
import { Artifact } from './artifact.entity.ts';
import { Script } from './script.entity.ts';

export const CAMPAIGN_STATUSES = ['running', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
/** random and grid draw a fixed batch; tpe, asha and local propose as results arrive; agent is driven over GraphQL. */
export const SEARCH_STRATEGIES = ['random', 'grid', 'tpe', 'asha', 'local', 'agent'] as const;
export type SearchStrategy = (typeof SEARCH_STRATEGIES)[number];
export const VISIBILITIES = ['private', 'public'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** A campaign is a submitted brief: the researcher's question plus everything needed to run it. */
const CampaignSchema = defineEntity({
  name: 'Campaign',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    owner: () => p.manyToOne(Account).ref().deleteRule('cascade'),
    name: p.string().length(200),
    hypothesis: p.text(),
    script: () => p.manyToOne(Artifact).ref(),
    // The script row (review state, signature); null only for campaigns older than script review.
    trainingScript: () => p.manyToOne(Script).ref().nullable(),
    dataset: () => p.manyToOne(Artifact).ref(),
    searchSpace: p.json<Record<string, unknown>>(),
    strategy: p.enum([...SEARCH_STRATEGIES]),
    /** Per-strategy parameters, validated at submission (strategy-options.ts). */
    strategyOptions: p.json<Record<string, unknown>>().default('{}'),
    /** Confirm before keep: the top `confirmTopK` configs re-run with `confirmSeeds` new seeds each (0 = off). */
    confirmTopK: p.integer().default(0),
    confirmSeeds: p.integer().default(0),
    taskCount: p.integer(),
    /** Wall seconds per task (a wall budget) or the wall-clock cap per task (a compute budget). */
    budgetS: p.integer(),
    budgetKind: p.enum(['wall', 'compute']).default('wall'),
    /** Compute budgets: the unit the script counts (tokens or flops) and the amount per task. */
    budgetUnit: p.enum(['tokens', 'flops']).nullable(),
    budgetAmount: p.double().nullable(),
    /** Wall budgets: the one hardware class (cpu or gpu) the campaign runs on and is priced in. */
    budgetHardware: p.enum(['cpu', 'gpu']).nullable(),
    seed: p.integer(),
    maxAttempts: p.integer(),
    priority: p.integer().default(0),
    visibility: p.enum([...VISIBILITIES]).default('private'),
    allowSimulated: p.boolean().default(false),
    // Leased only to workers of the owner's own account (the only way a pending script runs).
    ownMachinesOnly: p.boolean().default(false),
    status: p.enum([...CAMPAIGN_STATUSES]).default('running').index(),
    costCredits: p.bigint('number'),
    /** Escrowed for replicas not created yet (the quote's verification overhead); unused returns. */
    verificationReserve: p.bigint('number').default(0),
    createdAt: p.datetime().onCreate(() => new Date()).index(),
    finishedAt: p.datetime().nullable(),
  },
});

export class Campaign extends CampaignSchema.class {}
CampaignSchema.setClass(Campaign);
