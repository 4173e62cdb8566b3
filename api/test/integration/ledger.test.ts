// The ledger's invariant holds in the database itself, and tasks can be added to a running campaign
// through the lifecycle's one creation path, on PostgreSQL and PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Services } from '../../src/context.ts';
import { type Db, rows, sql } from '../../src/db/sql.ts';
import { LedgerService } from '../../src/modules/ledger/ledger.service.ts';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { complete, createAccount, FAIL, lease, registerWorker, submitBrief } from '../helpers/platform.ts';

describe.each(DATABASES)('the ledger on %s', (database) => {
  let app: TestApp;
  let url: string;

  beforeAll(async () => {
    app = await startTestApp(database);
    url = app.graphqlUrl;
  });
  afterAll(() => app?.stop());

  const em = () => app.deps.orm.em.fork() as unknown as Db;
  const decode = (globalId: string) => Buffer.from(globalId, 'base64').toString().split(':')[1]!;

  async function unbalancedTransactions(): Promise<unknown[]> {
    return rows(em(), sql`select tx_id, sum(amount) as total from ledger_entry group by tx_id having sum(amount) <> 0`);
  }

  it('refuses at commit any transaction whose entries do not sum to zero, whatever wrote them', async () => {
    const services = Services.fork(app.deps);
    const mint = await services.ledger.ensureMint();
    const before = await services.ledger.totalImbalance();
    const lone = em().transactional((tx) =>
      rows(tx, sql`insert into ledger_entry (tx_id, credit_account_id, amount, kind, memo, created_at)
                   values (gen_random_uuid(), ${mint}::uuid, 5, 'grant', 'forged', now())`),
    );
    await expect(lone).rejects.toThrow(/does not balance/);
    // Legs written by separate statements are fine once the transaction balances at commit.
    const account = await createAccount(url, 'Legs');
    const wallet = await services.ledger.walletId(decode(account.id));
    await em().transactional(async (tx) => {
      const txId = crypto.randomUUID();
      await rows(tx, sql`insert into ledger_entry (tx_id, credit_account_id, amount, kind, memo, created_at) values (${txId}::uuid, ${mint}::uuid, -7, 'grant', 'two statements', now())`);
      await rows(tx, sql`insert into ledger_entry (tx_id, credit_account_id, amount, kind, memo, created_at) values (${txId}::uuid, ${wallet}::uuid, 7, 'grant', 'two statements', now())`);
    });
    const changed = em().transactional((tx) => rows(tx, sql`update ledger_entry set amount = amount + 1 where memo = 'two statements' and amount > 0`));
    await expect(changed).rejects.toThrow(/does not balance/);
    expect(await services.ledger.totalImbalance()).toBe(before);
  });

  it('moves credits only as positive transfers between two accounts', async () => {
    const services = Services.fork(app.deps);
    const mint = await services.ledger.ensureMint();
    await expect(services.ledger.transfer({ from: mint, to: mint, amount: 5, kind: 'grant', memo: 'x' })).rejects.toThrow(/two different/);
    await expect(services.ledger.transfer({ from: mint, to: crypto.randomUUID(), amount: 0, kind: 'grant', memo: 'x' })).rejects.toThrow(/positive/);
    await expect(services.ledger.transfer({ from: mint, to: crypto.randomUUID(), amount: 1.5, kind: 'grant', memo: 'x' })).rejects.toThrow(/positive/);
  });

  it('keeps every transaction balanced through grants, escrow, payouts, failures, cancellation and refunds', async () => {
    const researcher = await createAccount(url, 'Ada');
    const worker = await registerWorker(url, 'earner');
    while (await lease(url, worker.token)) {
      // earlier tests' tasks
    }
    const campaign = await submitBrief(url, researcher.token, { taskCount: 3, maxAttempts: 1 });
    const first = (await lease(url, worker.token))!;
    expect((await complete(url, worker.token, first)).__typename).toBe('MutationCompleteTaskSuccess');
    const second = (await lease(url, worker.token))!;
    await gql(url, FAIL, { input: { taskId: second.taskId, leaseToken: second.token, reason: 'crashed' } }, worker.token);
    await gql(url, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id: campaign.id }, researcher.token);
    const ledger = await gql(url, '{ creditLedger(first: 50) { entries { kind amount } } }', {}, researcher.token);
    expect(ledger.creditLedger.entries.map((entry: { kind: string }) => entry.kind)).toEqual(['REFUND', 'ESCROW', 'GRANT']);
    expect(ledger.creditLedger.entries[0].amount).toBe(campaign.costCredits - 5);
    expect(await unbalancedTransactions()).toEqual([]);
    expect(await Services.fork(app.deps).ledger.totalImbalance()).toBe(0);
  });

  it('adds tasks to a running campaign through the lifecycle, and none to a finished one', async () => {
    const worker = await registerWorker(url, 'adaptive');
    while (await lease(url, worker.token)) {
      // earlier tests' tasks
    }
    const campaign = await submitBrief(url, ADMIN_TOKEN, { taskCount: 1 });
    const campaignId = decode(campaign.id);
    const services = Services.fork(app.deps);
    const adminId = decode((await gql(url, '{ me { id } }', {}, ADMIN_TOKEN)).me.id);
    // A strategy adding work reserves its cost, then creates the task, in one transaction.
    const added = await em().transactional(async (tx) => {
      await new LedgerService(tx).reserve(adminId, campaignId, 7);
      return services.lifecycle.create(tx, campaignId, [{ index: 1, config: { lr: 0.01 }, seed: 42, budgetS: 7 }]);
    });
    expect(added.taskIds).toHaveLength(1);
    services.lifecycle.announce(added);
    const leased = [(await lease(url, worker.token))!, (await lease(url, worker.token))!];
    const extra = leased.find((grant) => grant.index === 1)!;
    expect(extra).toMatchObject({ config: { lr: 0.01 }, seed: 42, budgetS: 7, campaignId: campaign.id });
    expect((await complete(url, worker.token, extra)).data.creditsEarned).toBe(7);

    await gql(url, 'mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id: campaign.id }, ADMIN_TOKEN);
    const none = await em().transactional((tx) => services.lifecycle.create(tx, campaignId, [{ index: 2, config: {}, seed: 1 }]));
    expect(none.taskIds).toEqual([]);
    expect(await unbalancedTransactions()).toEqual([]);
  });
});
