import { defineEntity, p } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.ts';
import { CreditAccount } from './credit-account.entity.ts';
import { Task } from './task.entity.ts';
// Declared so schema diffs know the trigger; the migration that created it owns its text.
import { LEDGER_BALANCED_FUNCTION, LEDGER_BALANCED_TRIGGER } from '../migrations/Migration20261201195431_ledger_balanced.ts';

export const LEDGER_KINDS = ['grant', 'escrow', 'payout', 'refund', 'clawback'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** Double-entry: every transaction (txId) is rows that sum to zero; balances are sums, never stored. */
const LedgerEntrySchema = defineEntity({
  name: 'LedgerEntry',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    txId: p.uuid().index(),
    creditAccount: () => p.manyToOne(CreditAccount).ref().deleteRule('cascade').index(),
    amount: p.bigint('number'),
    kind: p.enum([...LEDGER_KINDS]),
    campaign: () => p.manyToOne(Campaign).ref().nullable().deleteRule('set null'),
    task: () => p.manyToOne(Task).ref().nullable().deleteRule('set null'),
    memo: p.string().length(500),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  triggers: [{ name: 'ledger_tx_balanced', timing: 'after', events: ['insert', 'update'], expression: `${LEDGER_BALANCED_FUNCTION};\n${LEDGER_BALANCED_TRIGGER};` }],
});

export class LedgerEntry extends LedgerEntrySchema.class {}
LedgerEntrySchema.setClass(LedgerEntry);
