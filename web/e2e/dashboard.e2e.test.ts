// End to end, as a researcher would: sign in, upload a dataset, submit a brief through the form
// (after fixing a field the API rejects), watch a real worker train the tasks with PyTorch while
// rows and chart points appear live, export the results as TSV and check its rows, then look at
// workers and credits, at laptop and phone widths; then, signed out, browse a public campaign and
// the Explore page as any visitor would. Any console error or page error fails it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { addTypenameToDocument } from '@apollo/client/utilities';
import { print } from 'graphql';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as documents from '../src/gql/graphql';
import { RESYNC_TASKS, TASK_PAGE_SIZE } from '../src/pages/campaign/use-campaign-data';
import { WORKERS_PAGE_SIZE } from '../src/pages/WorkersPage';
import { submitBrief } from './brief.ts';
import {
  type Api,
  type BrowserSession,
  createResearcher,
  ensureResultsDir,
  gql,
  launchBrowser,
  sharedDataDir,
  startApi,
  startWorker,
  waitFor,
  type Worker,
} from './harness.ts';

const TASKS = 3;
const BUDGET_S = 3;
const shots = ensureResultsDir();
let api: Api;
let worker: Worker;
let browser: BrowserSession;
let researcherToken: string;
let step = 0;

async function shot(page: Page, name: string, fullPage = true) {
  step += 1;
  await page.screenshot({ path: path.join(shots, `e2e-${String(step).padStart(2, '0')}-${name}.png`), fullPage });
}

beforeAll(async () => {
  api = await startApi();
  researcherToken = await createResearcher(api, 'Ada Researcher');
  worker = startWorker(api.url, 'e2e-worker', 1);
  browser = await launchBrowser({ width: 1280, height: 900 });
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await api?.stop();
});

describe('the dashboard against a real API and worker', () => {
  it("keeps every one of its queries within the API's complexity limit", async () => {
    const campaignId = await submitBrief(api.url, researcherToken, {
      name: 'complexity probe',
      hypothesis: 'queries fit',
      script: 'char-tiny',
      dataset: 'brown',
      searchSpace: { lr: 0.01 },
      taskCount: 1,
      budgetS: 1,
    });
    const variables: Record<string, Record<string, unknown>> = {
      CampaignTasks: { id: campaignId, first: TASK_PAGE_SIZE },
      Workers: { first: WORKERS_PAGE_SIZE },
      CampaignDetail: { id: campaignId },
      CampaignPoints: { id: campaignId },
      CampaignRecentTasks: { id: campaignId, first: RESYNC_TASKS },
      CampaignList: { first: 25 },
      Credits: { first: 50 },
      EstimateCost: { taskCount: 10, budget: { kind: 'WALL', seconds: 10 } },
      CampaignConfirmations: { id: campaignId },
      Scripts: { reviewer: false },
      ScriptDetail: {
        id: (await gql<{ scripts: { edges: { node: { id: string } }[] } }>(api.url, researcherToken, '{ scripts(first: 1) { edges { node { id } } } }')).scripts.edges[0]!.node.id,
      },
    };
    const queries = Object.entries(documents).filter(
      ([name, doc]) => name.endsWith('Document') && (doc as unknown as { definitions: readonly { operation?: string }[] }).definitions.some((d) => d.operation === 'query'),
    );
    expect(queries.length).toBeGreaterThanOrEqual(8);
    for (const [name, doc] of queries) {
      const operation = name.replace(/Document$/, '');
      const response = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${researcherToken}` },
        body: JSON.stringify({ query: print(addTypenameToDocument(doc as never)), variables: variables[operation] ?? {} }),
      });
      const body = (await response.json()) as { errors?: { message: string }[] };
      expect(body.errors?.map((e) => `${operation}: ${e.message}`) ?? []).toEqual([]);
    }
    // What a signed-out visitor's pages ask, asked without a token.
    for (const operation of ['CampaignList', 'CampaignDetail', 'CampaignTasks', 'CampaignPoints', 'CampaignRecentTasks', 'Explore']) {
      const doc = (documents as Record<string, unknown>)[`${operation}Document`];
      expect(doc, operation).toBeDefined();
      const response = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: print(addTypenameToDocument(doc as never)), variables: variables[operation] ?? {} }),
      });
      const body = (await response.json()) as { errors?: { message: string }[] };
      expect(body.errors?.map((e) => `anonymous ${operation}: ${e.message}`) ?? []).toEqual([]);
    }
    // Leave the worker to the brief under test.
    await gql(api.url, researcherToken, 'mutation($id: ID!) { cancelCampaign(id: $id) { __typename } }', { id: campaignId });
  });

  it('runs a brief from the form to exported results', async () => {
    const { page, problems } = browser;
    const datasetTitle = sharedDataDir() ? /TinyShakespeare/ : /Brown/;

    // Sign in with the token an admin created.
    await page.goto(`${api.url}/sign-in`);
    await page.getByLabel('API token').waitFor();
    await shot(page, 'sign-in');
    await page.getByLabel('API token').fill(researcherToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await page.getByText('1 campaign').waitFor();
    await shot(page, 'campaigns');

    // The brief: the default script's space prefills; switch to the tiny script.
    await page.getByRole('link', { name: 'New brief' }).first().click();
    await page.getByLabel('Training script').waitFor();
    const tiny = await page.locator('#brief-script option', { hasText: '(char-tiny)' }).getAttribute('value');
    await page.getByLabel('Training script').selectOption(tiny!);
    // The script accepts compute budgets (the default); this run uses wall seconds for a short e2e.
    await expect.poll(() => page.getByLabel('Budget kind').inputValue()).toBe('COMPUTE');
    await page.getByLabel('Budget kind').selectOption('WALL');
    await expect.poll(() => page.getByLabel('Budget per task (seconds)').inputValue()).toBe('3');

    // Upload a dataset through the form; it becomes selectable and selected.
    await page.getByText('Upload a dataset').click();
    await page.getByLabel('UTF-8 text file').setInputFiles({
      name: 'e2e-notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('To be, or not to be, that is the question.\n'.repeat(200)),
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText('Uploaded "e2e-notes" and selected it.').waitFor();
    await expect.poll(async () => page.locator('#brief-dataset option:checked').textContent()).toMatch(/e2e-notes/);

    // Train on a real corpus.
    const corpus = await page.locator('#brief-dataset option', { hasText: datasetTitle }).getAttribute('value');
    await page.getByLabel('Dataset', { exact: true }).selectOption(corpus!);
    await page.getByLabel('Campaign name').fill('E2E learning-rate sweep');
    await page.getByLabel('Hypothesis').fill('A higher learning rate helps the tiny model in a 3 s budget.');
    await page.getByLabel('Tasks', { exact: true }).fill(String(TASKS));
    await page.getByLabel('Budget per task (seconds)').fill(String(BUDGET_S));
    await page.getByText(`Cost: ${TASKS * BUDGET_S} cr`).waitFor();

    // An invalid bound comes back from the API as a field error, shown beside that field.
    const lrRow = page.locator('.space__param').filter({ has: page.locator('input[value="lr"]') });
    const low = lrRow.getByLabel('Low');
    const validLow = await low.inputValue();
    await low.fill('-1');
    await page.getByRole('button', { name: /Submit brief/ }).click();
    await expect.poll(() => low.getAttribute('aria-invalid')).toBe('true');
    await lrRow.getByText('must be greater than 0 for a loguniform distribution').waitFor();
    await shot(page, 'brief-field-error');
    await low.fill(validLow);
    await page.getByRole('button', { name: /Submit brief/ }).click();

    // The campaign page: tasks run on the real worker; rows and points arrive live.
    await page.waitForURL(/\/campaigns\/[^/]+$/);
    await page.getByRole('heading', { name: /E2E learning-rate sweep/ }).waitFor();
    await page.getByText(`${TASKS} tasks`, { exact: true }).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="progress-chart"]')?.getAttribute('data-points')) >= 1, null, {
      timeout: 240_000,
    });
    await shot(page, 'campaign-first-point');
    await page.waitForFunction(
      (n) => {
        const rows = [...document.querySelectorAll('tr[data-status]')];
        return rows.length === n && rows.every((row) => ['SUCCEEDED', 'FAILED'].includes(row.getAttribute('data-status')!));
      },
      TASKS,
      { timeout: 300_000 },
    );
    const statuses = await page.locator('tr[data-status]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')));
    expect(statuses, `worker output:\n${worker.process.tail(30)}`).toEqual(Array(TASKS).fill('SUCCEEDED'));
    await expect.poll(async () => Number(await page.getByTestId('progress-chart').getAttribute('data-total-points'))).toBe(TASKS);
    expect(await page.locator('[data-testid="progress-chart"] .recharts-scatter circle').count()).toBe(TASKS);
    expect(await page.locator('[data-testid="param-chart"] .recharts-scatter circle').count()).toBe(TASKS);
    // The campaign's own events: the reaper closes it, and the figures settle on every result.
    await page.getByRole('heading', { name: /E2E learning-rate sweep/ }).getByText('completed').waitFor({ timeout: 60_000 });
    await page.getByText(`${TASKS} / ${TASKS}`, { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('best-val-bpb').textContent()).toMatch(/^\d\.\d{4}$/);
    expect(await page.getByRole('button', { name: 'Cancel campaign' }).count()).toBe(0);
    await shot(page, 'campaign-done');

    // Export: one row per task, like autoresearch's results.tsv.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export TSV' }).click()]);
    expect(download.suggestedFilename()).toBe('e2e-learning-rate-sweep-results.tsv');
    const tsvPath = path.join(shots, 'e2e-results.tsv');
    await download.saveAs(tsvPath);
    const [header, ...rows] = readFileSync(tsvPath, 'utf8').replace(/\n$/, '').split('\n').map((line) => line.split('\t'));
    expect(header!.slice(0, 8)).toEqual(['index', 'status', 'val_bpb', 'train_loss', 'steps', 'wall_s', 'simulated', 'worker']);
    expect(header).toContain('lr');
    expect(rows.map((row) => row[0])).toEqual(Array.from({ length: TASKS }, (_, i) => String(i)));
    const col = (name: string) => header!.indexOf(name);
    for (const row of rows) {
      expect(row).toHaveLength(header!.length);
      expect(row[col('status')]).toBe('succeeded');
      const valBpb = Number(row[col('val_bpb')]);
      expect(valBpb).toBeGreaterThan(0.5);
      expect(valBpb).toBeLessThan(9);
      expect(Number(row[col('steps')])).toBeGreaterThan(0);
      expect(Number(row[col('wall_s')])).toBeGreaterThan(0);
      expect(row[col('simulated')]).toBe('false');
      expect(row[col('worker')]).toBe('e2e-worker');
      expect(Number(row[col('lr')])).toBeGreaterThan(0);
    }

    // Sorting the live table by val_bpb puts the best task first.
    await page.getByRole('button', { name: /^val_bpb/ }).click();
    const best = Math.min(...rows.map((row) => Number(row[col('val_bpb')])));
    await expect.poll(() => page.locator('tr[data-status] td:nth-child(6)').first().textContent()).toContain(best.toFixed(4));

    // Phone width: nothing overflows the page sideways; the table scrolls inside its own box.
    await page.setViewportSize({ width: 375, height: 812 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, 'campaign-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Workers: the real worker, online, with its hardware.
    await page.getByRole('link', { name: 'Workers' }).click();
    const card = page.getByTestId('worker').filter({ hasText: 'e2e-worker' });
    await card.getByText('online', { exact: true }).waitFor();
    await card.getByText(/Last heartbeat/).waitFor();
    await shot(page, 'workers');

    // Credits: the escrow for this brief is in the ledger.
    await page.getByRole('link', { name: 'Credits' }).click();
    await page.getByTestId('balance').waitFor();
    await page.getByRole('region', { name: 'Ledger' }).getByRole('link', { name: 'E2E learning-rate sweep' }).first().waitFor();
    // The worker was paid for its accepted results.
    await page.getByTestId('leaderboard').getByText('e2e-worker').waitFor();
    await shot(page, 'credits');

    // Scripts: the built-in ones are approved and signed; a script page shows its source.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Scripts' }).click();
    await page.getByRole('link', { name: 'char-tiny', exact: true }).first().click();
    await page.getByRole('heading', { name: /char-tiny/ }).getByText('approved').waitFor();
    await expect.poll(() => page.getByTestId('script-source').textContent()).toMatch(/import /);
    await page.getByText(/signed \(key /).waitFor();
    await shot(page, 'script');
    await page.getByRole('link', { name: 'Credits' }).click();
    await page.getByTestId('balance').waitFor();

    // Keyboard: on a fresh load the first Tab reaches the skip link, which jumps to the content.
    await page.reload();
    await page.getByTestId('balance').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    // Sign out forgets the token; the credits page then asks for one in place.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Sign in to see your credits and the leaderboard.').waitFor();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('xeenet.token'))).toBeNull();

    expect(problems).toEqual([]);
  });

  it('lets anyone browse public campaigns and Explore without signing in; private ones stay hidden', async () => {
    const { page, problems } = browser;
    // Two seed replicates of one config, public, trained for real by the worker.
    const config = { lr: 0.01 };
    const publicId = await submitBrief(api.url, researcherToken, {
      name: 'E2E open replicates',
      hypothesis: 'Two seeds of one config show its noise.',
      script: 'char-tiny',
      dataset: 'brown',
      searchSpace: config,
      taskCount: 2,
      budgetS: BUDGET_S,
      visibility: 'PUBLIC',
    });
    await waitFor(
      'the public campaign to complete',
      async () => {
        const data = await gql<{ campaign: { status: string } }>(api.url, null, 'query($id: ID!) { campaign(id: $id) { status } }', { id: publicId });
        return data.campaign.status === 'COMPLETED';
      },
      300_000,
      1000,
    );
    expect(await page.evaluate(() => localStorage.getItem('xeenet.token'))).toBeNull();

    // The public list: this campaign, not the researcher's private sweep.
    await page.goto(`${api.url}/campaigns`);
    await page.getByRole('heading', { name: 'Public campaigns' }).waitFor();
    await page.getByRole('link', { name: 'E2E open replicates' }).waitFor();
    expect(await page.getByRole('link', { name: 'E2E learning-rate sweep' }).count()).toBe(0);
    expect(await page.getByLabel('Only mine').count()).toBe(0);
    await shot(page, 'public-campaigns');

    // Its page: tasks, configs and results, live, with exports; no actions.
    await page.getByRole('link', { name: 'E2E open replicates' }).click();
    await page.getByRole('heading', { name: /E2E open replicates/ }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('tr[data-status]')].filter((row) => row.getAttribute('data-status') === 'SUCCEEDED').length === 2);
    await page.getByText('Live', { exact: true }).waitFor();
    await expect.poll(async () => Number(await page.getByTestId('progress-chart').getAttribute('data-total-points'))).toBe(2);
    expect(await page.getByRole('button', { name: 'Cancel campaign' }).count()).toBe(0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export TSV' }).click()]);
    const tsvPath = path.join(shots, 'e2e-public-results.tsv');
    await download.saveAs(tsvPath);
    expect(readFileSync(tsvPath, 'utf8').trimEnd().split('\n')).toHaveLength(3);
    await shot(page, 'public-campaign');

    // A private campaign's address shows nothing of it.
    const privateId = (
      await gql<{ campaigns: { edges: { node: { id: string; name: string } }[] } }>(api.url, researcherToken, '{ campaigns(first: 20, mine: true) { edges { node { id name } } } }')
    ).campaigns.edges.find((edge) => edge.node.name === 'E2E learning-rate sweep')!.node.id;
    await page.goto(`${api.url}/campaigns/${encodeURIComponent(privateId)}`);
    await page.getByText('Campaign not found').waitFor();

    // Explore: the replicated config with its mean ± interval, linked to the campaign.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Explore' }).click();
    const group = page.getByTestId('explore-group').filter({ hasText: 'char-tiny' });
    await group.waitFor();
    const top = group.getByTestId('explore-config').first();
    await expect.poll(() => top.textContent()).toMatch(/\d+\.\d{4} ± \d+\.\d{4}/);
    await top.getByText('(2 seeds)').waitFor();
    expect(await top.getByTestId('noise-band-interval').count()).toBe(1);
    await group.getByTestId('noise-floor').getByText(/pooled std/).waitFor();
    await shot(page, 'explore');
    await top.getByRole('link', { name: 'E2E open replicates' }).click();
    await page.getByRole('heading', { name: /E2E open replicates/ }).waitFor();

    // Acting needs a token, asked for in place.
    await page.goto(`${api.url}/campaigns/new`);
    await page.getByText('Sign in to write a brief: a campaign spends your credits.').waitFor();
    await page.getByLabel('API token').waitFor();

    expect(problems).toEqual([]);
  });
});
