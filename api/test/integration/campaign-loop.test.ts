// The campaign loop against PostgreSQL and PGlite: keep / discard / crash marks as results arrive,
// the results export, confirm before keep, and AGENT campaigns driven over GraphQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { gql } from '../helpers/graphql.ts';
import { CANCEL, campaignTasks, propose, runOne } from '../helpers/loop.ts';
import { brief, createAccount, registerWorker, submitBrief, SUBMIT_BRIEF } from '../helpers/platform.ts';
import { collect, wsClient } from '../helpers/ws.ts';

const BALANCE = `query { me { balance } }`;

describe.each(DATABASES)('campaign loop on %s', (database) => {
  let app: TestApp;
  let url: string;
  let researcher: { token: string; id: string };
  let stranger: { token: string; id: string };
  let worker: { token: string; id: string };

  beforeAll(async () => {
    app = await startTestApp(database);
    url = app.graphqlUrl;
    researcher = await createAccount(url, 'Ada');
    stranger = await createAccount(url, 'Mallory');
    worker = await registerWorker(url, 'loop-worker');
  });
  afterAll(() => app?.stop());

  async function cancel(campaignId: string) {
    await gql(url, CANCEL, { id: campaignId }, researcher.token);
  }

  it('marks each result against the best so far as it arrives, a final failure as a crash', async () => {
    const campaign = await submitBrief(url, researcher.token, { taskCount: 4, maxAttempts: 1 });
    const values = [2.5, 2.7, 2.4, null];
    for (const value of values) await runOne(url, worker.token, () => value);
    const { tasks } = await campaignTasks(url, researcher.token, campaign.id);
    expect(tasks.map((task) => task.mark)).toEqual(['KEEP', 'DISCARD', 'KEEP', 'CRASH']);
    expect(tasks.map((task) => task.markAgainst?.index ?? null)).toEqual([null, 0, 0, null]);
    expect(tasks[0]!.description).toBe('random draw #1');
    expect(tasks[0]!.derivedFrom).toMatchObject({ strategy: 'random', index: 0 });
    expect(tasks.every((task) => task.role === 'EXPLORE' && task.budgetScale === 1 && task.parent === null)).toBe(true);
  });

  it('exports every task with autoresearch’s columns as TSV, CSV and JSON', async () => {
    const campaign = await submitBrief(url, researcher.token, { taskCount: 3, maxAttempts: 1 });
    await runOne(url, worker.token, () => 2.61);
    await runOne(url, worker.token, () => 2.52);
    const data = await gql(
      url,
      `query ($id: ID!) { campaign(id: $id) { tsv: resultsExport csv: resultsExport(format: CSV) json: resultsExport(format: JSON) } }`,
      { id: campaign.id },
      researcher.token,
    );
    const lines = (data.campaign.tsv as string).trimEnd().split('\n').map((line) => line.split('\t'));
    expect(lines[0]).toEqual(['task', 'parent', 'val_bpb', 'mark', 'status', 'description', 'config', 'seed', 'budget_s', 'budget_scale', 'role', 'against', 'simulated', 'finished_at']);
    expect(lines).toHaveLength(4);
    expect(lines[1]!.slice(0, 6)).toEqual(['0', '', '2.610000', 'keep', 'succeeded', 'random draw #1']);
    expect(lines[2]!.slice(0, 6)).toEqual(['1', '', '2.520000', 'keep', 'succeeded', 'random draw #2']);
    expect(lines[3]!.slice(0, 5)).toEqual(['2', '', '', '', 'queued']);
    expect(Object.keys(JSON.parse(lines[1]![6]!))).toEqual(['dropout', 'lr', 'n_layer', 'schedule']);
    expect(lines[1]![8]).toBe('5');
    const csv = (data.campaign.csv as string).trimEnd().split('\n');
    expect(csv[0]).toBe('task,parent,val_bpb,mark,status,description,config,seed,budget_s,budget_scale,role,against,simulated,finished_at');
    // The config's JSON has commas and quotes: quoted, quotes doubled.
    expect(csv[1]).toMatch(/^0,,2\.610000,keep,succeeded,random draw #1,"\{""dropout"":0,/);
    const json = JSON.parse(data.campaign.json as string) as Record<string, unknown>[];
    expect(json).toHaveLength(3);
    expect(json[1]).toMatchObject({ task: 1, parent: null, val_bpb: 2.52, mark: 'keep', status: 'succeeded', against: 0, role: 'explore', seed: expect.any(Number) });

    // The same export as a file over HTTP, with the GraphQL field's visibility.
    const file = (token: string | null, format = 'tsv') =>
      fetch(`${app.url}/campaigns/${encodeURIComponent(campaign.id)}/results.${format}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const owner = await file(researcher.token);
    expect(owner.status).toBe(200);
    expect(owner.headers.get('content-type')).toMatch(/^text\/tab-separated-values/);
    expect(await owner.text()).toBe(data.campaign.tsv);
    expect(JSON.parse(await (await file(researcher.token, 'json')).text())).toEqual(json);
    expect((await file(stranger.token)).status).toBe(404);
    expect((await file(null)).status).toBe(404);
    expect((await file('xn_not_a_real_token_at_all_000000')).status).toBe(401);
    await cancel(campaign.id);
  });

  it('confirms the top configs with new seeds once exploring is done, then closes and refunds', async () => {
    const before = (await gql(url, BALANCE, {}, researcher.token)).me.balance as number;
    const campaign = await submitBrief(url, researcher.token, { taskCount: 6, confirm: { topK: 2, seeds: 1 } });
    let state = await campaignTasks(url, researcher.token, campaign.id);
    expect(state.confirm).toEqual({ topK: 2, seeds: 1 });
    expect(state.stats.total).toBe(4);
    expect(state.tasksRemaining).toBe(2);
    const explored = [2.6, 2.4, 2.9, 2.5];
    for (const value of explored) await runOne(url, worker.token, () => value);
    state = await campaignTasks(url, researcher.token, campaign.id);
    const replicates = state.tasks.filter((task) => task.role === 'CONFIRM');
    expect(replicates.map((task) => task.parent?.index)).toEqual([1, 3]);
    for (const replicate of replicates) {
      const original = state.tasks[replicate.parent!.index]!;
      expect(replicate.config).toEqual(original.config);
      expect(replicate.seed).not.toBe(original.seed);
      expect(replicate.description).toMatch(/^confirm: new seed 1\/1 for #[12] /);
    }
    await runOne(url, worker.token, () => 2.42);
    await runOne(url, worker.token, () => 2.55);
    const report = await gql(
      url,
      `query ($id: ID!) { campaign(id: $id) { status confirmations { noiseFloor configs { rank n mean low high values distinguishable task { index } } } } }`,
      { id: campaign.id },
      researcher.token,
    );
    const { configs, noiseFloor } = report.campaign.confirmations;
    expect(configs.map((c: { task: { index: number } }) => c.task.index)).toEqual([1, 3]);
    expect(configs[0]).toMatchObject({ rank: 1, n: 2, values: [2.4, 2.42] });
    expect(configs[0].mean).toBeCloseTo(2.41, 10);
    // Two runs each: the t quantile at 1 degree of freedom (12.706) makes the intervals wide.
    expect(configs[0].high - configs[0].low).toBeCloseTo(2 * 12.706 * (Math.SQRT1_2 * 0.02) / Math.SQRT2, 4);
    expect(configs[0].distinguishable).toBe(false);
    expect(noiseFloor).toBeCloseTo(Math.sqrt((0.02 ** 2 / 2 + 0.05 ** 2 / 2) / 2), 10);
    // The loop closed it as the last replicate arrived; unspent credits (none here) came back.
    expect(report.campaign.status).toBe('COMPLETED');
    const after = (await gql(url, BALANCE, {}, researcher.token)).me.balance as number;
    expect(before - after).toBe(6 * 5);
  });

  it('refuses strategy options that do not fit the strategy, and confirm that leaves nothing to explore', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ strategy: 'TPE', strategyOptions: { startupTask: 3 } }, ['strategyOptions']],
      [{ strategy: 'ASHA', strategyOptions: { eta: 1 } }, ['strategyOptions', 'eta']],
      [{ strategy: 'LOCAL', strategyOptions: { baseline: { lr: 5 } } }, ['strategyOptions', 'baseline', 'lr']],
      [{ strategy: 'RANDOM', strategyOptions: { eta: 3 } }, ['strategyOptions']],
      [{ taskCount: 4, confirm: { topK: 2, seeds: 2 } }, ['confirm']],
      [{ confirm: { topK: 0, seeds: 2 } }, ['confirm', 'topK']],
      [{ strategy: 'ASHA', budgetS: 20_000 }, ['budgetS']],
    ];
    for (const [overrides, path] of cases) {
      const data = await gql(url, SUBMIT_BRIEF, { input: brief(overrides) }, researcher.token);
      expect(data.submitBrief.__typename, JSON.stringify(overrides)).toBe('ValidationError');
      expect(data.submitBrief.fieldErrors.map((e: { path: string[] }) => e.path.slice(0, path.length))).toContainEqual(path);
    }
  });

  it('runs an AGENT campaign: owner-only proposals inside the space and the budget, results streamed and marked', async () => {
    const campaign = await submitBrief(url, researcher.token, { strategy: 'AGENT', taskCount: 3 });
    let state = await campaignTasks(url, researcher.token, campaign.id);
    expect(state).toMatchObject({ status: 'RUNNING', tasksRemaining: 3, stats: { total: 0 } });

    const base = { lr: 0.001, schedule: 'cosine', n_layer: 2 };
    expect((await propose(url, stranger.token, campaign.id, [{ config: base, description: 'x' }])).__typename).toBe('NotFoundError');
    const invalid = await propose(url, researcher.token, campaign.id, [
      { config: { ...base, lr: 0.5, extra: 1 }, description: 'too hot' },
      { config: { schedule: 'cosine' }, description: 'two\nlines', seed: -1 },
    ]);
    expect(invalid.__typename).toBe('ValidationError');
    expect(invalid.fieldErrors.map((e: { path: string[] }) => e.path.join('.')).sort()).toEqual(
      ['experiments.0.config.extra', 'experiments.0.config.lr', 'experiments.1.config.lr', 'experiments.1.config.n_layer', 'experiments.1.description', 'experiments.1.seed'].sort(),
    );
    const tooMany = await propose(url, researcher.token, campaign.id, [1, 2, 3, 4].map((n) => ({ config: { ...base, n_layer: n }, description: `n_layer ${n}` })));
    expect(tooMany).toMatchObject({ __typename: 'TaskBudgetExceededError', requested: 4, remaining: 3 });
    expect((await campaignTasks(url, researcher.token, campaign.id)).stats.total).toBe(0);

    const client = wsClient(url, researcher.token);
    const results = collect(client, 'subscription ($id: ID!) { campaignResults(campaignId: $id) { id index mark valBpb parent { index } } }', { id: campaign.id });
    await new Promise((resolve) => setTimeout(resolve, 300));

    const first = await propose(url, researcher.token, campaign.id, [{ config: base, description: 'baseline' }]);
    expect(first.__typename).toBe('MutationProposeExperimentsSuccess');
    expect(first.data.tasks[0]).toMatchObject({ index: 0, description: 'baseline', role: 'EXPLORE', parent: null, config: { dropout: 0, ...base } });
    expect(first.data.campaign).toEqual({ tasksRemaining: 2, proposalsRemaining: 2 });
    await runOne(url, worker.token, () => 2.5);
    const baseline = await results.next((e) => e.campaignResults.index === 0);
    expect(baseline.campaignResults).toMatchObject({ mark: 'KEEP', valBpb: 2.5 });

    const notMine = await propose(url, researcher.token, campaign.id, [{ config: base, description: 'bad parent', parentTaskId: baseline.campaignResults.id.replace(/./, 'Q') }]);
    expect(notMine.__typename).toBe('ValidationError');
    const children = await propose(url, researcher.token, campaign.id, [
      { config: { ...base, lr: 0.002 }, description: 'lr 1e-3 → 2e-3 around the best', parentTaskId: baseline.campaignResults.id, seed: 42 },
      { config: { ...base, n_layer: 3 }, description: 'n_layer 2 → 3 around the best', parentTaskId: baseline.campaignResults.id },
    ]);
    expect(children.data.tasks.map((task: { seed: number; parent: { id: string } }) => [task.seed === 42, task.parent.id])).toEqual([
      [true, baseline.campaignResults.id],
      [false, baseline.campaignResults.id],
    ]);
    // parentId names the same task without reading it (the dashboard's table resolves it itself).
    expect(children.data.tasks.map((task: { parentId: string }) => task.parentId)).toEqual([baseline.campaignResults.id, baseline.campaignResults.id]);
    const full = await propose(url, researcher.token, campaign.id, [{ config: base, description: 'one more' }]);
    expect(full).toMatchObject({ __typename: 'TaskBudgetExceededError', remaining: 0 });

    await runOne(url, worker.token, () => 2.6);
    await runOne(url, worker.token, () => 2.3);
    const marked = await Promise.all([1, 2].map((index) => results.next((e) => e.campaignResults.index === index)));
    expect(marked.map((e) => [e.campaignResults.mark, e.campaignResults.parent.index])).toEqual([
      ['DISCARD', 0],
      ['KEEP', 0],
    ]);
    results.dispose();
    await client.dispose();
    // Budget spent and nothing live: the reaper closes it.
    await app.reaper.tick();
    state = await campaignTasks(url, researcher.token, campaign.id);
    expect(state.status).toBe('COMPLETED');
    const closed = await propose(url, researcher.token, campaign.id, [{ config: base, description: 'late' }]);
    expect(closed.__typename).toBe('InvalidStateError');
  });

  it('refuses proposals to a campaign that is not AGENT and to a stranger’s public campaign', async () => {
    const random = await submitBrief(url, researcher.token, { taskCount: 1 });
    const config = { lr: 0.001, schedule: 'cosine', n_layer: 2 };
    expect((await propose(url, researcher.token, random.id, [{ config, description: 'x' }])).__typename).toBe('InvalidStateError');
    await cancel(random.id);
    const open = await submitBrief(url, researcher.token, { strategy: 'AGENT', taskCount: 2, visibility: 'PUBLIC' });
    expect((await propose(url, stranger.token, open.id, [{ config, description: 'x' }])).__typename).toBe('ForbiddenError');
    await cancel(open.id);
  });

});
