// The 10,000-task proof: seeds a large campaign through the API, completes most of its tasks
// through the worker protocol from simulated workers (honestly marked simulated), opens the
// campaign page in Chromium and measures load time, DOM size, scroll frame times, sorting and
// live-update latency while results keep arriving. Writes test-results/large-campaign.json.
//
//   node scripts/measure-large-campaign.ts [--tasks 10000] [--complete 9800]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { submitBrief } from '../e2e/brief.ts';
import { createResearcher, ensureResultsDir, launchBrowser, startApi } from '../e2e/harness.ts';
import { complete, completeTasks, leaseOne, registerSimulatedWorker } from '../e2e/simulated-fleet.ts';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '10000' }, complete: { type: 'string' }, workers: { type: 'string', default: '4' } } });
const taskCount = Number(values.tasks);
const toComplete = Number(values.complete ?? Math.max(0, taskCount - 200));
const out = ensureResultsDir();

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

const api = await startApi();
const session = await launchBrowser({ width: 1280, height: 900 });
const figures: Record<string, unknown> = { taskCount, completedBeforeLoad: toComplete, date: new Date().toISOString() };
try {
  const token = await createResearcher(api, 'Large campaign researcher');
  let t = performance.now();
  const campaignId = await submitBrief(api.url, token, {
    name: `Large campaign (${taskCount.toLocaleString('en')} tasks, simulated results)`,
    hypothesis: 'The dashboard stays responsive with ten thousand tasks: virtualised table, downsampled charts.',
    script: 'char-tiny',
    dataset: 'brown',
    searchSpace: {
      lr: { type: 'loguniform', low: 0.003, high: 0.1 },
      n_hidden: { type: 'choice', values: [128, 256] },
      schedule: { type: 'choice', values: ['cosine', 'linear', 'constant'] },
      context: { type: 'int', low: 3, high: 8 },
    },
    taskCount,
    budgetS: 2,
    allowSimulated: true,
  });
  figures.submitMs = Math.round(performance.now() - t);

  const tokens = await Promise.all(Array.from({ length: Number(values.workers) }, (_, i) => registerSimulatedWorker(api.url, `simulated-${i + 1}`)));
  t = performance.now();
  const done = await completeTasks(api.url, tokens, toComplete, (n) => process.stderr.write(`\r  completed ${n}/${toComplete}`));
  process.stderr.write('\n');
  figures.seedCompleteMs = Math.round(performance.now() - t);
  figures.completedBeforeLoad = done;

  const { page } = session;
  await page.goto(`${api.url}/sign-in`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Campaigns' }).waitFor();

  // Load: from navigation to first rows, chart drawn, and every task in the table.
  t = performance.now();
  await page.goto(`${api.url}/campaigns/${encodeURIComponent(campaignId)}`);
  await page.locator('tr[data-task-index]').first().waitFor();
  figures.firstRowsMs = Math.round(performance.now() - t);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="progress-chart"]')?.getAttribute('data-points')) > 0);
  figures.chartDrawnMs = Math.round(performance.now() - t);
  await page.waitForFunction((n) => document.querySelector('[data-testid="task-count"]')?.textContent?.trim() === `${n.toLocaleString('en')} tasks`, taskCount, {
    timeout: 300_000,
  });
  figures.allTasksLoadedMs = Math.round(performance.now() - t);
  figures.domTableRows = await page.locator('tr[data-task-index]').count();
  figures.domNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
  figures.chartPlottedPoints = Number(await page.getByTestId('progress-chart').getAttribute('data-points'));
  figures.chartTotalPoints = Number(await page.getByTestId('progress-chart').getAttribute('data-total-points'));
  await page.screenshot({ path: path.join(out, 'large-campaign.png'), fullPage: true });

  // Scroll: drive the table viewport from top to bottom over ~3 s and record frame intervals.
  const scroll = await page.evaluate(async () => {
    const el = document.querySelector('[data-testid="task-scroll"]') as HTMLElement;
    const frames: number[] = [];
    const max = el.scrollHeight - el.clientHeight;
    const steps = 180;
    let last = performance.now();
    for (let i = 1; i <= steps; i += 1) {
      el.scrollTop = (max * i) / steps;
      await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    return { frames, rowsRendered: el.querySelectorAll('tr[data-task-index]').length, reachedBottom: el.scrollTop >= max - 2 };
  });
  const frames = [...scroll.frames].sort((a, b) => a - b);
  figures.scroll = {
    frames: frames.length,
    p50FrameMs: Number(percentile(frames, 50).toFixed(1)),
    p95FrameMs: Number(percentile(frames, 95).toFixed(1)),
    maxFrameMs: Number(frames.at(-1)!.toFixed(1)),
    rowsRenderedAtBottom: scroll.rowsRendered,
    reachedBottom: scroll.reachedBottom,
  };
  await page.screenshot({ path: path.join(out, 'large-campaign-scrolled.png') });

  // Sort 10,000 rows by val_bpb: click to the first row changing.
  t = performance.now();
  await page.getByRole('button', { name: 'val_bpb' }).click();
  await page.waitForFunction(() => document.querySelector('th[aria-sort="ascending"]')?.textContent?.includes('val_bpb'));
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(null)))));
  figures.sortByValBpbMs = Math.round(performance.now() - t);

  // Live: complete tasks one at a time; time from completeTask returning to the point on the chart.
  const latencies: number[] = [];
  const [liveToken] = tokens;
  for (let i = 0; i < 20; i += 1) {
    const lease = await leaseOne(api.url, liveToken!);
    if (!lease) break;
    const before = Number(await page.getByTestId('progress-chart').getAttribute('data-total-points'));
    await complete(api.url, liveToken!, lease);
    const sent = performance.now();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="progress-chart"]')?.getAttribute('data-total-points')) > n,
      before,
      { polling: 'raf', timeout: 30_000 },
    );
    latencies.push(performance.now() - sent);
  }
  const sortedLatency = [...latencies].sort((a, b) => a - b);
  figures.liveResultToChart = {
    samples: latencies.length,
    p50Ms: Math.round(percentile(sortedLatency, 50)),
    p95Ms: Math.round(percentile(sortedLatency, 95)),
    maxMs: Math.round(sortedLatency.at(-1) ?? NaN),
  };

  // Frame times while a burst of results streams in (4 workers completing as fast as they can).
  const burst = page.evaluate(async () => {
    const frames: number[] = [];
    let last = performance.now();
    const end = last + 4000;
    while (performance.now() < end) {
      await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    return frames;
  });
  const burstDone = await completeTasks(api.url, tokens, 150);
  const burstFrames = (await burst).sort((a, b) => a - b);
  figures.framesDuringBurst = {
    resultsDuringBurst: burstDone,
    p50FrameMs: Number(percentile(burstFrames, 50).toFixed(1)),
    p95FrameMs: Number(percentile(burstFrames, 95).toFixed(1)),
    maxFrameMs: Number(burstFrames.at(-1)!.toFixed(1)),
  };
  figures.consoleProblems = session.problems;
  writeFileSync(path.join(out, 'large-campaign.json'), JSON.stringify(figures, null, 2) + '\n');
  console.log(JSON.stringify(figures, null, 2));
} catch (error) {
  await session.page.screenshot({ path: path.join(out, 'large-campaign-failure.png'), fullPage: true }).catch(() => undefined);
  console.error('browser problems:', session.problems);
  throw error;
} finally {
  await session.close();
  await api.stop();
}
