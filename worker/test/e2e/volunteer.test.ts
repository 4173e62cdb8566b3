// The volunteer's controls with the real worker (simulating: no Python) against the real API: the
// local page in Chromium (it shows the running task live; its pause gives the task back and stops
// leasing; resume leases again without a restart; its switches are saved to the config file), the
// page's defences, a daily cap and hours outside the window.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, freePort, startApi } from '../helpers/api.ts';
import { campaign, cancelCampaign, submitBrief } from '../helpers/platform.ts';
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

afterAll(async () => {
  for (const worker of running) worker.signal('SIGKILL');
  await context?.close().catch(() => undefined);
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
    const brief = await submitBrief(api, { name: 'page', taskCount: 8, budgetS: 6, allowSimulated: true });
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
    const released = await worker.waitForLog((line) => line.msg === 'lease released' && Date.parse(line.time) >= pausedAt && String(line.why).startsWith('paused'), 10_000, 'the paused task given back');
    expect(released.why).toBe('paused: paused by the volunteer');
    await waitUntil(async () => (await campaign(api, brief.id)).stats.leased === 0 || null, 10_000, 'no lease held');
    const view = await campaign(api, brief.id);
    const givenBack = view.tasks.find((entry) => String(entry.index) === running0)!;
    expect(givenBack).toMatchObject({ status: 'QUEUED', attempts: 0 });
    await delay(4000);
    expect(after(worker.logs, pausedAt, 'task leased')).toEqual([]);
    expect((await campaign(api, brief.id)).stats.leased).toBe(0);
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
    // Its remaining tasks would go to the next tests' workers.
    await cancelCampaign(api, brief.id);
  });
});

describe('preferences that stop leasing', () => {
  it('a daily task cap: the task that reaches it finishes and reports, then nothing more is leased', async () => {
    const brief = await submitBrief(api, { name: 'cap', taskCount: 4, budgetS: 3, allowSimulated: true });
    const worker = startWorker({ server: api.url, args: ['--simulate', '--name', 'capped', '--daily-tasks', '1'] });
    running.push(worker);
    await worker.waitForLog((line) => line.msg === 'pausing: daily cap of 1 tasks reached', 30_000, 'the cap');
    await worker.waitForLog((line) => line.msg === 'result delivered', 10_000, 'the capped task reported');
    await delay(3000);
    expect(worker.logs.filter((line) => line.msg === 'task started')).toHaveLength(1);
    const view = await campaign(api, brief.id);
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
    expect((await campaign(api, brief.id)).stats).toMatchObject({ succeeded: 1, queued: 3 });
  });

  it('outside the hours: nothing is leased; a config file that is not valid stops start with its name', async () => {
    const brief = await submitBrief(api, { name: 'hours', taskCount: 1, budgetS: 3, allowSimulated: true });
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
    expect((await campaign(api, brief.id)).stats).toMatchObject({ queued: 1 });

    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(worker.home, 'config', 'preferences.json'), '{"dailyTaskCap": "ten"}');
    const refused = startWorker({ server: api.url, home: worker.home, args: ['--simulate'] });
    const exit = await refused.exited;
    expect(exit.code).toBe(2);
    expect(refused.stderr()).toContain('preferences.json: dailyTaskCap must be null or a whole number');
  });
});
