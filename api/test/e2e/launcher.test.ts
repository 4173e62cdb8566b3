// `npm start`'s launcher as a person uses it: PGlite in a fresh data folder, a real local worker
// training with real PyTorch, and Ctrl-C sent to the whole foreground process group, as a
// terminal does. Then the next start finds everything as it was.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { descendants, survivors } from '../helpers/processes.ts';
import { gql } from '../helpers/graphql.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const LAUNCHER = path.join(REPO, 'api/src/launcher/main.ts');
const SHARED_DATA = [process.env.XEENET_SHARED_DATA, path.resolve(REPO, '..', 'shared', 'data'), '/work/shared/data'].find(
  (dir) => dir && existsSync(path.join(dir, 'tinyshakespeare.txt')),
);

interface Launch {
  child: ChildProcess;
  output: () => string;
  url: string;
  token: string | null;
  exited: Promise<number | null>;
  /** A Ctrl-C: SIGINT to the launcher's whole process group. */
  press(): void;
}

const launches: Launch[] = [];

async function launch(dataDir: string, args: string[] = []): Promise<Launch> {
  const child = spawn(process.execPath, [LAUNCHER, ...args], {
    detached: true, // its own process group, which press() signals as a whole
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      PORT: '0',
      XEENET_DATA_DIR: dataDir,
      XEENET_FETCH_DATASETS: 'false',
      XEENET_REAPER_INTERVAL_MS: '500',
      ...(SHARED_DATA ? { XEENET_DATASETS_DIR: SHARED_DATA } : {}),
    },
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await waitFor(() => /Dashboard: {2}(http:\/\/\S+)/.exec(text)?.[1], 120_000, 'the banner', () => text);
  const token = /^ {3}(xn_\S+)$/m.exec(text)?.[1] ?? null;
  const started: Launch = { child, output: () => text, url, token, exited, press: () => process.kill(-child.pid!, 'SIGINT') };
  launches.push(started);
  return started;
}

async function waitFor<T>(probe: () => T | undefined | null | false, timeoutMs: number, what: string, context: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${context().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}


const CAMPAIGN = `query ($id: ID!) { campaign(id: $id) { status stats { succeeded queued leased failed }
  tasks(first: 10) { edges { node { index status attempts history { outcome accepted } } } } } me { balance } }`;

describe.skipIf(process.platform !== 'linux')('npm start (the launcher) with a real local worker', () => {
  afterAll(() => {
    for (const { child } of launches) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  });

  it('Ctrl-C mid-training: the task finishes and is reported, nothing is left running, the next start finds it all', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'xeenet-launcher-'));
    const first = await launch(dataDir);
    expect(first.token).toMatch(/^xn_/);
    const tokenFile = path.join(dataDir, 'admin-token');
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(first.token);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'platform.json'), 'utf8'))).toMatchObject({ url: first.url, pid: first.child.pid });

    const submitted = await gql(
      `${first.url}/graphql`,
      `mutation ($input: SubmitBriefInput!) { submitBrief(input: $input) { __typename ... on MutationSubmitBriefSuccess { data { id } } ... on Error { message } } }`,
      {
        input: {
          name: 'launcher test',
          hypothesis: 'Ctrl-C loses nothing.',
          script: 'char-tiny',
          dataset: SHARED_DATA ? 'tinyshakespeare' : 'brown',
          searchSpace: { lr: 0.03, n_hidden: 64, batch_size: 16 },
          taskCount: 2,
          budgetS: 8,
        },
      },
      first.token,
    );
    const campaignId = submitted.submitBrief.data.id as string;
    await waitFor(() => first.output().includes('task started'), 90_000, 'the local worker to start training', first.output);
    const tree = descendants(first.child.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(2); // the worker and its task's Python (at least)

    first.press();
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/worker │ .*task finished/);
    expect(first.output()).toMatch(/worker │ .*result delivered/);
    expect(first.output()).toContain('xeenet: stopped (exit 0)');
    expect(await survivors(tree)).toEqual([]);
    expect(existsSync(path.join(dataDir, 'platform.json'))).toBe(false);

    // The second start: same admin token (from the file), same data; the task leased ahead was given back.
    const second = await launch(dataDir, ['--no-worker']);
    expect(second.output()).toContain(`Admin token (from ${tokenFile})`);
    expect(second.token).toBe(first.token);
    const seen = await gql(`${second.url}/graphql`, CAMPAIGN, { id: campaignId }, second.token);
    const tasks = seen.campaign.tasks.edges.map((edge: { node: unknown }) => edge.node);
    expect(tasks[0]).toMatchObject({ index: 0, status: 'SUCCEEDED', history: [{ outcome: 'SUCCEEDED', accepted: true }] });
    // Task 1 was prefetched and released at the stop (or never leased): queued, no attempt spent on it.
    expect(tasks[1]).toMatchObject({ index: 1, status: 'QUEUED' });
    expect(tasks[1].history.filter((run: { outcome: string }) => run.outcome !== 'SUCCEEDED')).toEqual([]);
    second.press();
    expect(await second.exited).toBe(0);

    // A third start trains task 1; two presses abort it: the lease goes back, the attempt is not counted.
    const third = await launch(dataDir);
    await waitFor(() => /task started.*\n?/.test(third.output().split('worker ready')[1] ?? ''), 90_000, 'task 1 to start', third.output);
    const thirdTree = descendants(third.child.pid!);
    third.press();
    await waitFor(() => third.output().includes('Ctrl-C again'), 10_000, 'the first press to register', third.output);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    third.press();
    expect(await third.exited).toBe(130);
    expect(third.output()).toMatch(/worker │ .*lease released/);
    expect(await survivors(thirdTree)).toEqual([]);

    const fourth = await launch(dataDir, ['--no-worker']);
    const after = await gql(`${fourth.url}/graphql`, CAMPAIGN, { id: campaignId }, fourth.token);
    const [done, released] = after.campaign.tasks.edges.map((edge: { node: any }) => edge.node);
    expect(done.status).toBe('SUCCEEDED');
    expect(released).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(after.campaign.status).toBe('RUNNING');
    fourth.press();
    expect(await fourth.exited).toBe(0);
    // PGlite closed cleanly every time: no process still holds the data folder.
    expect(execFileSync('sh', ['-c', `ls /proc/*/cwd -l 2>/dev/null | grep -c ${dataDir} || true`]).toString().trim()).toBe('0');
  }, 420_000);
});
