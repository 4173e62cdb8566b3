// The one definition of how credits move. Every movement is a transfer: −amount on one ledger
// account and +amount on another under one fresh tx_id, so each transaction sums to zero by
// construction (and a deferred constraint trigger refuses any that does not, at commit).
//
// A transfer's source is any SELECT that yields, per transfer, the columns
//   from_account uuid, to_account uuid, amount bigint, kind text, memo text, campaign_id uuid, task_id uuid
// Statements on the hot path embed transferSql(...) as a CTE, so a payout costs no extra round
// trip; everything else posts through LedgerService.transfer, which uses the same text.
import type { LedgerKind } from '../../db/entities/ledger-entry.entity.ts';
import type { Query } from '../../db/sql.ts';

/** An INSERT writing both legs of every transfer the source yields (amounts ≤ 0 are skipped). */
export function transferSql(source: string): string {
  return `insert into ledger_entry (tx_id, credit_account_id, amount, kind, campaign_id, task_id, memo, created_at)
      select t.tx_id, leg.credit_account_id, leg.amount, t.kind, t.campaign_id, t.task_id, t.memo, now()
      from (select gen_random_uuid() as tx_id, s.* from (${source}) s where s.amount > 0) t
      cross join lateral (values (t.from_account, -t.amount), (t.to_account, t.amount)) as leg(credit_account_id, amount)
      returning tx_id`;
}

export interface Transfer {
  from: string;
  to: string;
  /** Whole credits, positive. */
  amount: number;
  kind: LedgerKind;
  memo: string;
  campaignId?: string | null;
  taskId?: string | null;
}

const TRANSFER_TEXT = transferSql(
  `select $1::uuid as from_account, $2::uuid as to_account, $3::bigint as amount, $4::text as kind, $5::text as memo,
          $6::uuid as campaign_id, $7::uuid as task_id`,
);

export function transferQuery(transfer: Transfer): Query<{ tx_id: string }> {
  if (!Number.isSafeInteger(transfer.amount) || transfer.amount <= 0) {
    throw new Error(`a transfer moves a positive whole number of credits, not ${transfer.amount}`);
  }
  if (transfer.from === transfer.to) throw new Error('a transfer needs two different ledger accounts');
  return {
    name: 'xeenet_ledger_transfer',
    text: TRANSFER_TEXT,
    values: [transfer.from, transfer.to, transfer.amount, transfer.kind, transfer.memo, transfer.campaignId ?? null, transfer.taskId ?? null],
  };
}
