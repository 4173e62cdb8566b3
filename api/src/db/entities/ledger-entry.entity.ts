import { defineEntity, p } from '@mikro-orm/core';
import { Campaign } from './campaign.entity.ts';
import { CreditAccount } from './credit-account.entity.ts';
import { Task } from './task.entity.ts';

export const LEDGER_KINDS = ['grant', 'escrow', 'payout', 'refund'] as const;

/** Created by Migration20261201195431_ledger_balanced: at commit, every tx_id written must sum to zero. */
const BALANCED_TRIGGER = `create function ledger_entry_ledger_tx_balanced_fn() returns trigger language plpgsql as $$
  declare imbalance bigint;
  begin
    select coalesce(sum(amount), 0) into imbalance from ledger_entry where tx_id = new.tx_id;
    if imbalance <> 0 then
      raise exception 'ledger transaction % does not balance: its entries sum to %', new.tx_id, imbalance
        using errcode = 'check_violation', constraint = 'ledger_tx_balanced';
    end if;
    return null;
  end $$;
create constraint trigger ledger_tx_balanced after insert or update of amount, tx_id on ledger_entry
  deferrable initially deferred for each row execute function ledger_entry_ledger_tx_balanced_fn();`;
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
  triggers: [{ name: 'ledger_tx_balanced', timing: 'after', events: ['insert', 'update'], expression: BALANCED_TRIGGER }],
});

export class LedgerEntry extends LedgerEntrySchema.class {}
LedgerEntrySchema.setClass(LedgerEntry);
