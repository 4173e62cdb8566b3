import { defineEntity, p } from '@mikro-orm/core';
import { Account } from './account.entity.ts';
import { Artifact } from './artifact.entity.ts';

export const SCRIPT_ORIGINS = ['builtin', 'upload'] as const;
export type ScriptOrigin = (typeof SCRIPT_ORIGINS)[number];
export const REVIEW_STATES = ['pending_review', 'approved', 'rejected'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];
export const BUDGET_KINDS = ['wall', 'compute'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];

/** What the review's automatic checks found (parse, search space, a short run). */
export interface ScriptCheck {
  parses: { ok: boolean | null; detail: string };
  searchSpace: { ok: boolean; detail: string };
  run: { ok: boolean | null; detail: string; campaignId?: string | null };
  checkedAt: string;
}

/**
 * A training script as a research artifact: its bytes are a content-addressed artifact (identical
 * uploads share them), the row says whose it is, what it declares and whether it was reviewed.
 * Built-in scripts (training-scripts/) are rows too, approved and signed at start.
 */
const ScriptSchema = defineEntity({
  name: 'Script',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    artifact: () => p.manyToOne(Artifact).ref(),
    name: p.string().length(200),
    // 1 for a name's first script (per owner; built-ins share one namespace), then 2, 3, ...
    version: p.integer(),
    description: p.text(),
    searchSpace: p.json<Record<string, unknown>>(),
    budgetKinds: p.json<BudgetKind[]>(),
    parent: () => p.manyToOne(Script).ref().nullable().deleteRule('set null'),
    owner: () => p.manyToOne(Account).ref().nullable().deleteRule('cascade').index(),
    origin: p.enum([...SCRIPT_ORIGINS]),
    reviewState: p.enum([...REVIEW_STATES]).index(),
    reviewReason: p.text().nullable(),
    reviewedBy: () => p.manyToOne(Account).ref().nullable().deleteRule('set null'),
    reviewedAt: p.datetime().nullable(),
    check: p.json<ScriptCheck>().nullable(),
    // Base64 Ed25519 over @xeenet/contract/signing's message; null until approved.
    signature: p.text().nullable(),
    signingKeyId: p.string().length(64).nullable(),
    signedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['owner', 'name', 'version'] }],
});

export class Script extends ScriptSchema.class {}
ScriptSchema.setClass(Script);
