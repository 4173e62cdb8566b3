// The double-entry ledger: every movement is a transfer (transfer.sql.ts), a balance is always the
// sum of its account's rows, never stored. Callers that move credits run inside em.transactional.
import { randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import type { LedgerKind } from '../../db/entities/ledger-entry.entity.ts';
import { type Db, firstRow, rows, run, sql, toDate } from '../../db/sql.ts';
import { InsufficientCreditsError } from '../../errors.ts';
import { requireViewer, type Viewer } from '../accounts/viewer.ts';
import { type Transfer, transferQuery } from './transfer.sql.ts';

/** The mint issues grants; its balance is minus everything ever granted. */
export const MINT_ID = '00000000-0000-4000-8000-000000000001';

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
  /** Hours of accepted, real (not simulated) results' run time, each counted up to its task's budget. */
  computeHours: number;
  /** Valid real results (with verification off, every accepted real result). */
  verifiedResults: number;
}

export const LEADERBOARD_ORDERS = ['credits', 'computeHours', 'verifiedResults'] as const;
export type LeaderboardOrder = (typeof LEADERBOARD_ORDERS)[number];

// A wallet id never changes once created, and completions (hundreds a second) need the
// worker's; one entry per account stays small, unlike one per campaign.
const walletIds = new Map<string, string>();

export class LedgerService {
  private readonly em: Db;
  private readonly balances: DataLoader<string, number>;

  constructor(em: Db) {
    this.em = em;
    this.balances = new DataLoader((accountIds) => this.loadBalances(accountIds));
  }

  /** Moves credits; returns the transaction id. The only way credits move outside hot statements. */
  async transfer(transfer: Transfer): Promise<string> {
    const [row] = await run(this.em, transferQuery(transfer));
    return row!.tx_id;
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

  private async balanceOf(creditAccountId: string): Promise<number> {
    const row = await firstRow<{ balance: string }>(
      this.em,
      sql`select coalesce(sum(amount), 0)::bigint as balance from ledger_entry where credit_account_id = ${creditAccountId}::uuid`,
    );
    return Number(row?.balance ?? 0);
  }

  /** An account's wallet balance, for the account itself and admins; null for anyone else. */
  async visibleBalance(viewer: Viewer | null, accountId: string): Promise<number | null> {
    if (!viewer || (viewer.accountId !== accountId && viewer.role !== 'admin')) return null;
    return this.balances.load(accountId);
  }

  async grant(accountId: string, amount: number, memo: string): Promise<void> {
    if (amount <= 0) return;
    const mint = await this.ensureMint();
    await this.transfer({ from: mint, to: await this.walletId(accountId), amount, kind: 'grant', memo });
  }

  /** Opens a campaign's escrow account and moves its whole cost there from the owner's wallet. */
  async openEscrow(ownerAccountId: string, campaignId: string, amount: number): Promise<void> {
    await rows(
      this.em,
      sql`insert into credit_account (id, kind, campaign_id, created_at) values (${randomUUID()}::uuid, 'escrow', ${campaignId}::uuid, now())`,
    );
    await this.reserve(ownerAccountId, campaignId, amount);
  }

  /**
   * Moves more of the owner's credits into a campaign's escrow (work added to a running campaign
   * must be paid for before its tasks are created), refusing what the wallet cannot cover.
   */
  async reserve(ownerAccountId: string, campaignId: string, amount: number): Promise<void> {
    const wallet = await this.walletId(ownerAccountId);
    // Serializes concurrent reservations by the same owner so the balance check cannot race.
    await rows(this.em, sql`select id from credit_account where id = ${wallet}::uuid for update`);
    const available = await this.balanceOf(wallet);
    if (available < amount) throw new InsufficientCreditsError(amount, available);
    if (amount > 0) {
      const escrow = await this.escrowId(campaignId);
      await this.transfer({ from: wallet, to: escrow, amount, kind: 'escrow', memo: 'campaign budget reserved', campaignId });
    }
  }

  /**
   * Returns to the owner what a running campaign's escrow holds beyond `keep` (what its remaining
   * work can still cost), e.g. once ASHA can no longer promote every task to its top rung. The
   * caller computes `keep` from the tasks before calling, so a payout in between only over-keeps.
   */
  async refundExcess(campaignId: string, ownerAccountId: string, keep: number): Promise<number> {
    const escrow = await this.escrowId(campaignId);
    await rows(this.em, sql`select id from credit_account where id = ${escrow}::uuid for update`);
    const excess = (await this.balanceOf(escrow)) - Math.max(0, keep);
    if (excess > 0) {
      const wallet = await this.walletId(ownerAccountId);
      await this.transfer({ from: escrow, to: wallet, amount: excess, kind: 'refund', memo: 'campaign budget it can no longer spend returned', campaignId });
    }
    return Math.max(0, excess);
  }

  /** Returns whatever a finished or cancelled campaign did not spend to its owner. */
  async refundRemainder(campaignId: string, ownerAccountId: string): Promise<number> {
    const escrow = await this.escrowId(campaignId);
    await rows(this.em, sql`select id from credit_account where id = ${escrow}::uuid for update`);
    const remainder = await this.balanceOf(escrow);
    // Nothing is left to verify: the reserve is part of what returns.
    await rows(this.em, sql`update campaign set verification_reserve = 0 where id = ${campaignId}::uuid`);
    if (remainder > 0) {
      const wallet = await this.walletId(ownerAccountId);
      await this.transfer({ from: escrow, to: wallet, amount: remainder, kind: 'refund', memo: 'unused campaign budget returned', campaignId });
    }
    return remainder;
  }

  // Verification (modules/verification). A campaign's escrow holds, at every moment, the rewards of
  // its live tasks and of its results awaiting a verdict, plus `verification_reserve` (what the
  // quote set aside for replicas not created yet). These keep that true.

  /** Pays a validated (or trusted) result's reward from the campaign's escrow to the worker's owner. */
  async payResult(campaignId: string, taskId: string, accountId: string, amount: number, memo: string): Promise<void> {
    if (amount <= 0) return;
    await this.transfer({ from: await this.escrowId(campaignId), to: await this.walletId(accountId), amount, kind: 'payout', memo, campaignId, taskId });
  }

  /**
   * Takes back a payout for a result a spot check found invalid, into the escrow. The wallet may go
   * below zero: a debt that blocks spending (reserve refuses it) until it is earned back.
   */
  async clawBack(campaignId: string, taskId: string, accountId: string, amount: number): Promise<void> {
    if (amount <= 0) return;
    await this.transfer({
      from: await this.walletId(accountId),
      to: await this.escrowId(campaignId),
      amount,
      kind: 'clawback',
      memo: 'payout clawed back: independent replays found the result invalid',
      campaignId,
      taskId,
    });
  }

  /**
   * Funds a replica: from the campaign's verification reserve while it lasts, else from the owner's
   * wallet (InsufficientCreditsError when neither can).
   */
  async fundReplica(campaignId: string, ownerAccountId: string, amount: number): Promise<void> {
    const taken = await rows(
      this.em,
      sql`update campaign set verification_reserve = verification_reserve - ${amount}::bigint
          where id = ${campaignId}::uuid and verification_reserve >= ${amount}::bigint returning id`,
    );
    if (!taken.length) await this.reserve(ownerAccountId, campaignId, amount);
  }

  /** Escrowed credits no longer owed to anyone (an invalid result's unpaid reward, a clawback) go back to the reserve. */
  async returnToReserve(campaignId: string, amount: number): Promise<void> {
    if (amount <= 0) return;
    await rows(this.em, sql`update campaign set verification_reserve = verification_reserve + ${amount}::bigint where id = ${campaignId}::uuid`);
  }

  /** Pending and granted credits of an account's results (the account itself and admins). */
  async credits(viewer: Viewer | null, accountId: string): Promise<{ pending: number; granted: number } | null> {
    if (!viewer || (viewer.accountId !== accountId && viewer.role !== 'admin')) return null;
    const row = await firstRow<{ pending: string; granted: string }>(
      this.em,
      sql`select coalesce(sum(t.reward) filter (where r.credit_state = 'pending'), 0)::bigint as pending,
            coalesce(sum(t.reward) filter (where r.credit_state = 'granted' or (r.credit_state is null and not r.simulated)), 0)::bigint as granted
          from run_result r join task t on t.id = r.task_id join worker w on w.id = r.worker_id
          where w.account_id = ${accountId}::uuid and r.accepted`,
    );
    return { pending: Number(row?.pending ?? 0), granted: Number(row?.granted ?? 0) };
  }

  /** The caller's own wallet entries, newest first: `limit` of them, older than `beforeId`. */
  async entries(viewer: Viewer | null, limit: number, beforeId: number | null): Promise<LedgerRow[]> {
    const wallet = await this.walletId(requireViewer(viewer).accountId);
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

  /**
   * Public: volunteers (accounts) ranked by credits earned, compute hours or verified results; ties
   * go to the other measures, then the name. An account is listed once it was paid or has an
   * accepted real result; simulated results never count.
   */
  async leaderboard(limit: number, orderBy: LeaderboardOrder = 'credits'): Promise<LeaderboardRow[]> {
    const result = await rows<{ account_id: string; name: string; earned: string; tasks_paid: string; compute_s: string; verified: string }>(
      this.em,
      sql`with earned as (
            select ca.account_id, sum(le.amount)::bigint as earned, count(*)::bigint as tasks_paid
            from ledger_entry le join credit_account ca on ca.id = le.credit_account_id
            where le.kind = 'payout' and le.amount > 0 and ca.account_id is not null
            group by ca.account_id
          ), work as (
            -- Invalid results earn neither; a result counts as verified once valid (or, with
            -- verification off, as soon as it is accepted: it has no verdict then).
            select w.account_id, sum(least(coalesce(r.wall_s, 0), t.budget_s))::float8 as compute_s,
              count(*) filter (where r.validation is null or r.validation = 'valid')::bigint as verified
            from run_result r join worker w on w.id = r.worker_id join task t on t.id = r.task_id
            where r.accepted and not r.simulated and r.validation is distinct from 'invalid'
            group by w.account_id
          )
          select a.id as account_id, a.name, coalesce(e.earned, 0)::bigint as earned, coalesce(e.tasks_paid, 0)::bigint as tasks_paid,
                 coalesce(k.compute_s, 0)::float8 as compute_s, coalesce(k.verified, 0)::bigint as verified
          from account a left join earned e on e.account_id = a.id left join work k on k.account_id = a.id
          where e.account_id is not null or k.account_id is not null
          order by case ${orderBy}::text when 'computeHours' then coalesce(k.compute_s, 0)
                                         when 'verifiedResults' then coalesce(k.verified, 0)::float8
                                         else coalesce(e.earned, 0)::float8 end desc,
                   coalesce(e.earned, 0) desc, coalesce(k.compute_s, 0) desc, a.name
          limit ${limit}`,
    );
    return result.map((row) => ({
      accountId: row.account_id,
      name: row.name,
      earned: Number(row.earned),
      tasksPaid: Number(row.tasks_paid),
      computeHours: Number(row.compute_s) / 3600,
      verifiedResults: Number(row.verified),
    }));
  }

  /** Sum over the whole ledger; zero unless a transaction failed to balance (the trigger forbids it). */
  async totalImbalance(): Promise<number> {
    const row = await firstRow<{ total: string }>(this.em, sql`select coalesce(sum(amount), 0)::bigint as total from ledger_entry`);
    return Number(row?.total ?? 0);
  }

  private async loadBalances(accountIds: readonly string[]): Promise<number[]> {
    const balances = await rows<{ account_id: string; balance: string }>(
      this.em,
      sql`select ca.account_id, coalesce(sum(le.amount), 0)::bigint as balance
          from credit_account ca left join ledger_entry le on le.credit_account_id = ca.id
          where ca.account_id = any(${[...accountIds]}::uuid[]) group by ca.account_id`,
    );
    const byAccount = new Map(balances.map((row) => [row.account_id, Number(row.balance)]));
    return accountIds.map((id) => byAccount.get(id) ?? 0);
  }
}
