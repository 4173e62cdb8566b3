import { defineEntity, p } from '@mikro-orm/core';
import { Account } from './account.entity.ts';
import { Campaign } from './campaign.entity.ts';

export const CREDIT_ACCOUNT_KINDS = ['user', 'escrow', 'mint'] as const;
export type CreditAccountKind = (typeof CREDIT_ACCOUNT_KINDS)[number];

/** A ledger account: a user's wallet, a campaign's escrow, or the mint that issues grants. */
const CreditAccountSchema = defineEntity({
  name: 'CreditAccount',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    kind: p.enum([...CREDIT_ACCOUNT_KINDS]),
    account: () => p.manyToOne(Account).ref().nullable().unique().deleteRule('cascade'),
    campaign: () => p.manyToOne(Campaign).ref().nullable().unique().deleteRule('cascade'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class CreditAccount extends CreditAccountSchema.class {}
CreditAccountSchema.setClass(CreditAccount);
