import { defineEntity, p } from '@mikro-orm/core';
import { Account } from './account.entity.ts';
import { Worker } from './worker.entity.ts';

// Tokens are 256-bit random secrets, so a plain SHA-256 is a safe, indexable hash.
const ApiTokenSchema = defineEntity({
  name: 'ApiToken',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    account: () => p.manyToOne(Account).ref().deleteRule('cascade'),
    worker: () => p.manyToOne(Worker).ref().nullable().deleteRule('cascade'),
    tokenHash: p.string().length(64).unique(),
    label: p.string().length(200),
    createdAt: p.datetime().onCreate(() => new Date()),
    revokedAt: p.datetime().nullable(),
  },
});

export class ApiToken extends ApiTokenSchema.class {}
ApiTokenSchema.setClass(ApiToken);
