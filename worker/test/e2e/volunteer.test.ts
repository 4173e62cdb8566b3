// The volunteer's controls with the real worker (simulating: no Python) against the real API: the
// local page in Chromium (it shows the running task live; its pause gives the task back and stops
// leasing; resume leases again without a restart; its switches are saved to the config file), the
// page's defences, a daily cap and hours outside the window.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, freePort, startApi } from '../helpers/api.ts';
import { processesMentioning } from '../helpers/files.ts';
import { campaign, cancelCampaign, submitBrief, task, TRAIN_BUDGET_S } from '../helpers/platform.ts';
import { tempDir } from '../helpers/temp.ts';
import { delay, waitUntil } from '../helpers/wait.ts';
import { type LogLine, newHome, startWorker, type WorkerProcess } from '../helpers/worker.ts';

const CHROMIUM = process.env.XEENET_CHROMIUM ?? '/usr/bin/chromium';

let api: ApiProcess;
let context: BrowserContext | null = null;
const running: WorkerProcess[] = [];

beforeAll(async () => {
  api = await startApi({ leaseTtlS: 10 });
});

const campaigns: string[] = [];

/** A campaign for this test only: cancelled after it, so the next test's worker cannot take its tasks. */
async function brief(options: Parameters<typeof submitBrief>[1]) {
  const created = await submitBrief(api, options);
  campaigns.push(created.id);
  return created;
}

afterEach(async () => {
  for (const worker of running.splice(0)) worker.signal('SIGKILL');
  for (const id of campaigns.splice(0)) await cancelCampaign(api, id).catch(() => {});
  await context?.close().catch(() => undefined);
  context = null;
});

afterAll(async () => {
  await api?.dispose();
});

function after(lines: LogLine[], since: number, msg: string): LogLine[] {
  return lines.filter((line) => Date.parse(line.time) >= since && line.msg === msg);
}

/** A raw request, so the Host header can be anything. */
function request(port: number, options: { path: string; method?: string; host?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: options.path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the local page', () => {
  it('shows the running task live, pauses (giving the task back, leasing nothing) and resumes, and saves its switches', async () => {
    const created = await brief({ name: 'page', taskCount: 8, budgetS: 6, allowSimulated: true });
    const home = newHome();
    const port = await freePort();
    const worker = startWorker({ server: api.url, home, args: ['--simulate', '--name', 'page-volunteer', '--page-port', String(port)] });
    running.push(worker);
    const pageLine = await worker.waitForLog((line) => line.msg === 'local status page', 30_000, 'the page address');
    const url = String(pageLine.url);
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[0-9a-f]{64}$`));
    const token = new URL(url).searchParams.get('token')!;

    // Its defences: another Host (DNS rebinding), no token, a change without the header.
    expect((await request(port, { path: '/api/state', host: `evil.example:${port}`, headers: { 'x-xeenet-token': token } })).status).toBe(421);
    expect((await request(port, { path: '/' })).status).toBe(403);
    expect((await request(port, { path: '/?token=' + 'f'.repeat(64) })).status).toBe(403);
    expect((await request(port, { path: '/api/state' })).status).toBe(403);
    const forged = await request(port, { path: '/api/pause', method: 'POST', headers: { cookie: `xeenet_page=${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(forged.status).toBe(403);
    const bad = await request(port, { path: '/api/preferences', method: 'POST', headers: { 'x-xeenet-token': token, 'content-type': 'application/json' }, body: '{"cpuThreads": -3}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).problems).toEqual(['cpuThreads must be null or a whole number from 1 to 4096']);

    const userDataDir = tempDir('xeenet-worker-chromium-');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page: Page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(url);
    // The token left the address bar for a cookie.
    expect(page.url()).toBe(`http://127.0.0.1:${port}/`);
    await page.getByTestId('state').filter({ hasText: 'Taking tasks' }).waitFor({ timeout: 30_000 });
    const slot = page.getByTestId('slot-1');
    await slot.filter({ hasText: 'running' }).filter({ hasText: /task #\d+/ }).waitFor({ timeout: 30_000 });
    // Live progress: the elapsed time moves.
    const elapsed = async () => Number(/([\d.]+) \/ 6 s/.exec(await slot.innerText())?.[1]);
    const first = await elapsed();
    await delay(1500);
    expect(await elapsed()).toBeGreaterThan(first);
    await expect.poll(async () => page.getByTestId('account-credits-pending').innerText(), { timeout: 40_000 }).toContain('not available');
    expect(await page.getByTestId('account-reputation').innerText()).toContain('not available');
    expect(await page.getByTestId('signals').innerText()).toContain('not available');

    // Pause: the running task is stopped at once and its lease given back; nothing more is leased.
    const running0 = (await slot.innerText()).match(/task #(\d+)/)![1];
    const pausedAt = Date.now();
    await page.getByTestId('pause-button').click();
    await page.getByTestId('state').filter({ hasText: 'Waiting: paused by the volunteer' }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('pause-button').innerText()).toBe('Resume');
    // The running task's lease, and the one leased ahead (if any) before it started.
    await worker.waitForLog((line) => line.msg === 'lease released' && line.why === 'paused: paused by the volunteer', 10_000, 'the paused task given back');
    for (const line of after(worker.logs, pausedAt, 'lease released')) expect(String(line.why)).toMatch(/^paused/);
    await waitUntil(async () => (await campaign(api, created.id)).stats.leased === 0 || null, 10_000, 'no lease held');
    const view = await campaign(api, created.id);
    const givenBack = view.tasks.find((entry) => String(entry.index) === running0)!;
    expect(givenBack).toMatchObject({ status: 'QUEUED', attempts: 0 });
    await delay(4000);
    expect(after(worker.logs, pausedAt, 'task leased')).toEqual([]);
    expect((await campaign(api, created.id)).stats.leased).toBe(0);
    await page.getByTestId('results').filter({ hasText: 'stopped' }).waitFor({ timeout: 5000 });

    // Switches are saved to the config file at once.
    const file = path.join(home, 'config', 'preferences.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ paused: true });
    await page.locator('#gpu').uncheck();
    await page.locator('#cpuThreads').fill('2');
    await page.locator('#cpuThreads').blur();
    await page.locator('#accept-own').uncheck();
    await expect.poll(() => JSON.parse(readFileSync(file, 'utf8')), { timeout: 5000 }).toEqual({ paused: true, gpu: false, cpuThreads: 2, acceptScripts: ['builtin', 'reviewed'] });

    // Resume: it leases and runs again, in the same process.
    const resumedAt = Date.now();
    await page.getByTestId('pause-button').click();
    await worker.waitForLog((line) => line.msg === 'task started' && Date.parse(line.time) >= resumedAt, 20_000, 'a task after resuming');
    await page.getByTestId('state').filter({ hasText: 'Taking tasks' }).waitFor({ timeout: 10_000 });
    await slot.filter({ hasText: 'running' }).waitFor({ timeout: 10_000 });
    expect(JSON.parse(readFileSync(file, 'utf8')).paused).toBe(false);
    await worker.waitForLog((line) => line.msg === 'task finished' && Date.parse(line.time) >= resumedAt, 20_000, 'a task finished after resuming');
    await page.getByTestId('results').filter({ hasText: 'complete' }).waitFor({ timeout: 5000 });
    expect(problems).toEqual([]);

    worker.signal('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});

describe('preferences that stop leasing', () => {
  it('a daily task cap: the task that reaches it finishes and reports, then nothing more is leased', async () => {
    const created = await brief({ name: 'cap', taskCount: 4, budgetS: 3, allowSimulated: true });
    const worker = startWorker({ server: api.url, args: ['--simulate', '--name', 'capped', '--daily-tasks', '1'] });
    running.push(worker);
    await worker.waitForLog((line) => line.msg === 'pausing: daily cap of 1 tasks reached', 30_000, 'the cap');
    await worker.waitForLog((line) => line.msg === 'result delivered', 10_000, 'the capped task reported');
    await delay(3000);
    expect(worker.logs.filter((line) => line.msg === 'task started')).toHaveLength(1);
    const view = await campaign(api, created.id);
    expect(view.stats).toMatchObject({ succeeded: 1, leased: 0 });
    // A restart the same day keeps the count: still nothing leased.
    worker.signal('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    const again = startWorker({ server: api.url, home: worker.home, args: ['--simulate', '--name', 'capped', '--daily-tasks', '1'] });
    running.push(again);
    await again.waitForLog((line) => line.msg === 'worker ready', 30_000, 'ready');
    await delay(3000);
    expect(again.logs.filter((line) => line.msg === 'task leased')).toEqual([]);
    again.signal('SIGTERM');
    expect((await again.exited).code).toBe(0);
    expect((await campaign(api, created.id)).stats).toMatchObject({ succeeded: 1, queued: 3 });
  });

  it('outside the hours: nothing is leased; a config file that is not valid stops start with its name', async () => {
    const created = await brief({ name: 'hours', taskCount: 1, budgetS: 3, allowSimulated: true });
    const now = new Date();
    const hh = (offset: number) => String((now.getHours() + offset + 24) % 24).padStart(2, '0');
    // A one-hour window that starts two hours from now.
    const worker = startWorker({ server: api.url, args: ['--simulate', '--name', 'night-owl', '--hours', `${hh(2)}:00-${hh(3)}:00`] });
    running.push(worker);
    await worker.waitForLog((line) => String(line.msg).startsWith('pausing: outside the hours'), 30_000, 'outside the hours');
    await worker.waitForLog((line) => line.msg === 'worker ready', 30_000, 'ready');
    await delay(3000);
    expect(worker.logs.filter((line) => line.msg === 'task leased')).toEqual([]);
    worker.signal('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect((await campaign(api, created.id)).stats).toMatchObject({ queued: 1 });

    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(worker.home, 'config', 'preferences.json'), '{"dailyTaskCap": "ten"}');
    const refused = startWorker({ server: api.url, home: worker.home, args: ['--simulate'] });
    const exit = await refused.exited;
    expect(exit.code).toBe(2);
    expect(refused.stderr()).toContain('preferences.json: dailyTaskCap must be null or a whole number');
  });
});

describe('with real PyTorch tasks', () => {
  it('refuses scripts of a kind not accepted, applies a threads cap from the page, and a pause kills the running script and gives it back', async () => {
    const created = await brief({ name: 'real', taskCount: 2, budgetS: TRAIN_BUDGET_S });
    const home = newHome();
    const port = await freePort();
    // The leases carry a built-in script: accepting only reviewed researcher scripts refuses them.
    const worker = startWorker({ server: api.url, home, args: ['--name', 'real-volunteer', '--accept-scripts', 'reviewed', '--page-port', String(port)] });
    running.push(worker);
    const token = new URL(String((await worker.waitForLog((line) => line.msg === 'local status page', 60_000, 'the page')).url)).searchParams.get('token')!;
    const refused = await worker.waitForLog((line) => line.msg === 'refusing the task', 90_000, 'a refusal');
    expect(refused).toMatchObject({ code: 'NOT_ACCEPTED' });
    expect(String(refused.reason)).toContain('accepts only reviewed scripts');
    await waitUntil(async () => (await campaign(api, created.id)).stats.leased === 0 || null, 10_000, 'the refused lease given back');
    expect((await campaign(api, created.id)).tasks.every((entry) => entry.status === 'QUEUED' && entry.attempts === 0)).toBe(true);
    expect(worker.logs.some((line) => line.msg === 'task started')).toBe(false);

    const post = (pathname: string, body: unknown) =>
      request(port, { path: pathname, method: 'POST', headers: { 'x-xeenet-token': token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/api/preferences', { acceptScripts: ['builtin', 'reviewed', 'own'], cpuThreads: 1 })).status).toBe(200);
    const first = await worker.waitForLog((line) => line.msg === 'task finished', 90_000, 'a real task finished');
    expect(first.outcome).toBe('complete');
    const delivered = await worker.waitForLog((line) => line.msg === 'result delivered', 30_000, 'its result delivered');
    expect((await task(api, String(delivered.taskId))).history[0]!.metrics!.num_threads).toBe(1);
    // The page asks the API for the account's standing after a delivery: what this result earned.
    const state = async () => JSON.parse((await request(port, { path: '/api/state', headers: { 'x-xeenet-token': token } })).body);
    const standing = await waitUntil(async () => ((await state()).account?.creditsEarned > 0 ? (await state()).account : null), 10_000, 'the standing');
    expect(standing).toMatchObject({ creditsEarned: delivered.creditsEarned, verifiedResults: 1, creditsPending: null, reputation: null, error: null });
    expect(standing.computeHours).toBeGreaterThan(0);
    expect(standing.computeHours).toBeLessThanOrEqual(TRAIN_BUDGET_S / 3600);

    // The second task (leased ahead) starts; a pause kills its script at once and gives it back.
    const second = await worker.waitForLog((line) => line.msg === 'task started' && line.taskId !== first.taskId, 60_000, 'the second task started');
    const pythonOf = () => processesMentioning(home).filter((pid) => pid !== worker.proc.pid);
    const secondPid = Number(second.pid);
    expect(pythonOf()).toContain(secondPid);
    const pausedAt = Date.now();
    expect((await post('/api/pause', {})).status).toBe(200);
    await worker.waitForLog((line) => line.msg === 'task stopped for a pause', 10_000, 'the running script stopped').catch((error: unknown) => {
      console.log(JSON.stringify(worker.logs.filter((line) => Date.parse(line.time) >= pausedAt - 3000), null, 1));
      throw error;
    });
    await worker.waitForLog((line) => line.msg === 'lease released' && line.why === 'paused: paused by the volunteer', 10_000, 'its lease given back');
    expect(Date.now() - pausedAt).toBeLessThan(TRAIN_BUDGET_S * 1000);
    const view = await campaign(api, created.id);
    expect(view.tasks.find((entry) => entry.index === second.index)).toMatchObject({ status: 'QUEUED', attempts: 0 });
    // While paused no Python of this worker runs: the script is gone, and no interpreter waits warm.
    await waitUntil(() => pythonOf().length === 0 || null, 10_000, 'no Python while paused');
    expect(pythonOf()).not.toContain(secondPid);
    await delay(2000);
    expect(pythonOf()).toEqual([]);

    // Resuming warms an interpreter again and takes the task back.
    expect((await post('/api/resume', {})).status).toBe(200);
    const resumed = await worker.waitForLog((line) => line.msg === 'task started' && line.taskId === second.taskId && line.pid !== second.pid, 60_000, 'the given-back task run again');
    expect(resumed.attempt).toBe(1);
    worker.signal('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    await waitUntil(() => processesMentioning(home).length === 0 || null, 10_000, 'no Python left');
  });
});
