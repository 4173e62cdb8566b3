// The double-entry ledger: every movement is one transaction of rows that sum to zero, and a
// balance is always the sum of its account's rows. Callers run these inside em.transactional.
import { randomUUID } from 'node:crypto';
import type { LedgerKind } from '../../db/entities/ledger-entry.entity.ts';
import { type Db, firstRow, rows, sql, toDate } from '../../db/sql.ts';
import { InsufficientCreditsError } from '../../errors.ts';

/** The mint issues grants; its balance is minus everything ever granted. */
export const MINT_ID = '00000000-0000-4000-8000-000000000001';

export interface Posting {
  creditAccountId: string;
  amount: number;
}

export interface PostingMeta {
  kind: LedgerKind;
  memo: string;
  campaignId?: string | null;
  taskId?: string | null;
}

export interface LedgerRow {
  id: number;
  txId: string;
  amount: number;
  kind: LedgerKind;
  memo: string;
  campaignId: string | null;
  taskId: string | null;
  createdAt: Date;
}

export interface LeaderboardRow {
  accountId: string;
  name: string;
  earned: number;
  tasksPaid: number;
}

// A wallet id never changes once created, and completions (hundreds a second) need the
// worker's; one entry per account stays small, unlike one per campaign.
const walletIds = new Map<string, string>();

export class CreditService {
  private readonly em: Db;

  constructor(em: Db) {
    this.em = em;
  }

  async post(postings: Posting[], meta: PostingMeta): Promise<string> {
    const sum = postings.reduce((total, posting) => total + posting.amount, 0);
    if (sum !== 0 || postings.length < 2) throw new Error(`unbalanced ledger transaction (${sum})`);
    const txId = randomUUID();
    await rows(
      this.em,
      sql`insert into ledger_entry (tx_id, credit_account_id, amount, kind, campaign_id, task_id, memo, created_at)
          select ${txId}::uuid, p.account_id, p.amount, ${meta.kind}, ${meta.campaignId ?? null}::uuid,
                 ${meta.taskId ?? null}::uuid, ${meta.memo}, now()
          from unnest(${postings.map((p) => p.creditAccountId)}::uuid[], ${postings.map((p) => p.amount)}::bigint[])
               as p(account_id, amount)`,
    );
    return txId;
  }

  async ensureMint(): Promise<string> {
    await rows(this.em, sql`insert into credit_account (id, kind, created_at) values (${MINT_ID}::uuid, 'mint', now()) on conflict (id) do nothing`);
    return MINT_ID;
  }

  async walletId(accountId: string): Promise<string> {
    const known = walletIds.get(accountId);
    if (known) return known;
    await rows(
      this.em,
      sql`insert into credit_account (id, kind, account_id, created_at) values (${randomUUID()}::uuid, 'user', ${accountId}::uuid, now())
          on conflict (account_id) do nothing`,
    );
    const row = await firstRow<{ id: string }>(this.em, sql`select id from credit_account where account_id = ${accountId}::uuid`);
    if (!row) throw new Error(`wallet for account ${accountId} could not be created`);
    // A wallet created inside a transaction that later rolls back must not be remembered.
    if (!this.em.isInTransaction()) walletIds.set(accountId, row.id);
    return row.id;
  }

  async escrowId(campaignId: string): Promise<string> {
    const row = await firstRow<{ id: string }>(this.em, sql`select id from credit_account where campaign_id = ${campaignId}::uuid`);
    if (!row) throw new Error(`campaign ${campaignId} has no escrow account`);
    return row.id;
  }

  async balanceOf(creditAccountId: string): Promise<number> {
    const row = await firstRow<{ balance: string }>(
      this.em,
      sql`select coalesce(sum(amount), 0)::bigint as balance from ledger_entry where credit_account_id = ${creditAccountId}::uuid`,
    );
    return Number(row?.balance ?? 0);
  }

  async balance(accountId: string): Promise<number> {
    return this.balanceOf(await this.walletId(accountId));
  }

  async grant(accountId: string, amount: number, memo: string): Promise<void> {
    if (amount <= 0) return;
    const mint = await this.ensureMint();
    const wallet = await this.walletId(accountId);
    await this.post(
      [
        { creditAccountId: mint, amount: -amount },
        { creditAccountId: wallet, amount },
      ],
      { kind: 'grant', memo },
    );
  }

  /** Moves a campaign's whole cost from its owner's wallet into a new escrow account. */
  async openEscrow(ownerAccountId: string, campaignId: string, amount: number): Promise<void> {
    const wallet = await this.walletId(ownerAccountId);
    // Serializes concurrent submissions by the same owner so the balance check cannot race.
    await rows(this.em, sql`select id from credit_account where id = ${wallet}::uuid for update`);
    const available = await this.balanceOf(wallet);
    if (available < amount) throw new InsufficientCreditsError(amount, available);
    const escrow = randomUUID();
    await rows(
      this.em,
      sql`insert into credit_account (id, kind, campaign_id, created_at) values (${escrow}::uuid, 'escrow', ${campaignId}::uuid, now())`,
    );
    if (amount > 0) {
      await this.post(
        [
          { creditAccountId: wallet, amount: -amount },
          { creditAccountId: escrow, amount },
        ],
        { kind: 'escrow', memo: 'campaign budget reserved', campaignId },
      );
    }
  }

  async payout(campaignId: string, taskId: string, workerAccountId: string, amount: number): Promise<void> {
    if (amount <= 0) return;
    const [escrow, wallet] = await Promise.all([this.escrowId(campaignId), this.walletId(workerAccountId)]);
    await this.post(
      [
        { creditAccountId: escrow, amount: -amount },
        { creditAccountId: wallet, amount },
      ],
      { kind: 'payout', memo: 'accepted result', campaignId, taskId },
    );
  }

  /** Returns whatever a finished or cancelled campaign did not spend to its owner. */
  async refundRemainder(campaignId: string, ownerAccountId: string): Promise<number> {
    const escrow = await this.escrowId(campaignId);
    await rows(this.em, sql`select id from credit_account where id = ${escrow}::uuid for update`);
    const remainder = await this.balanceOf(escrow);
    if (remainder > 0) {
      await this.post(
        [
          { creditAccountId: escrow, amount: -remainder },
          { creditAccountId: await this.walletId(ownerAccountId), amount: remainder },
        ],
        { kind: 'refund', memo: 'unused campaign budget returned', campaignId },
      );
    }
    return remainder;
  }

  async ledger(accountId: string, limit: number, beforeId: number | null): Promise<LedgerRow[]> {
    const wallet = await this.walletId(accountId);
    const result = await rows<{
      id: string;
      tx_id: string;
      amount: string;
      kind: LedgerKind;
      memo: string;
      campaign_id: string | null;
      task_id: string | null;
      created_at: string;
    }>(
      this.em,
      sql`select id, tx_id, amount, kind, memo, campaign_id, task_id, created_at from ledger_entry
          where credit_account_id = ${wallet}::uuid and (${beforeId}::bigint is null or id < ${beforeId}::bigint)
          order by id desc limit ${limit}`,
    );
    return result.map((row) => ({
      id: Number(row.id),
      txId: row.tx_id,
      amount: Number(row.amount),
      kind: row.kind,
      memo: row.memo,
      campaignId: row.campaign_id,
      taskId: row.task_id,
      createdAt: toDate(row.created_at)!,
    }));
  }

  async leaderboard(limit: number): Promise<LeaderboardRow[]> {
    const result = await rows<{ account_id: string; name: string; earned: string; tasks_paid: string }>(
      this.em,
      sql`select a.id as account_id, a.name, sum(le.amount)::bigint as earned, count(*)::bigint as tasks_paid
          from ledger_entry le
          join credit_account ca on ca.id = le.credit_account_id
          join account a on a.id = ca.account_id
          where le.kind = 'payout' and le.amount > 0
          group by a.id, a.name
          order by earned desc, a.name
          limit ${limit}`,
    );
    return result.map((row) => ({ accountId: row.account_id, name: row.name, earned: Number(row.earned), tasksPaid: Number(row.tasks_paid) }));
  }

  /** Sum over the whole ledger; zero unless something bypassed post(). */
  async totalImbalance(): Promise<number> {
    const row = await firstRow<{ total: string }>(this.em, sql`select coalesce(sum(amount), 0)::bigint as total from ledger_entry`);
    return Number(row?.total ?? 0);
  }
}
