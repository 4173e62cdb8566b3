// The command line: doctor's report and exit status, the refusal without PyTorch, usage errors,
// one worker per home folder, and the live status line on a terminal.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type ApiProcess, startApi } from '../helpers/api.ts';
import { credentialsFile } from '../helpers/files.ts';
import { FIXTURES, sandboxHere } from '../helpers/executor.ts';
import { campaign, cancelCampaign, gql, submitBrief, TRAIN_BUDGET_S } from '../helpers/platform.ts';
import { WORKER_BIN } from '../helpers/paths.ts';
import { noTorchPythonDir } from '../helpers/python.ts';
import { baseEnv, newHome, runCli, startWorker } from '../helpers/worker.ts';

let api: ApiProcess;
// `script` (util-linux) gives the worker a pseudo-terminal; Debian and Ubuntu always have it.
const hasScript = spawnSync('script', ['--version']).status === 0;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.dispose();
});

describe('xeenet-worker doctor', () => {
  it('reports Python, PyTorch, device, CPU, RAM and GPU, and exits 0 when PyTorch is there', async () => {
    const doctor = runCli(['doctor', '--json', '--home', newHome(), '--server', api.url]);
    const exit = await doctor.exited;
    expect(exit.code, doctor.stderr()).toBe(0);
    const report = JSON.parse(doctor.stdout());
    expect(report.ok).toBe(true);
    expect(report.python.runtime).toMatchObject({ device: 'cpu' });
    expect(report.python.runtime.torchVersion).toMatch(/^\d+\.\d+/);
    expect(report.python.runtime.pythonVersion).toMatch(/^3\.\d+/);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.ramMb).toBeGreaterThan(0);
    expect(report.machine.nvidia).toHaveProperty('available');
    expect(report.server).toMatchObject({ url: api.url, reachable: true, registered: null });
    // The sandbox check ran a command in a real sandbox and measured what that costs per start.
    const sandbox = await sandboxHere();
    expect(report.sandbox.status.available).toBe(sandbox.status.available);
    if (sandbox.status.available) {
      expect(report.sandbox.startCost.samples).toBeGreaterThan(0);
      expect(report.sandbox.startCost.sandboxedMs).toBeGreaterThan(0);
    }
    expect(report.sandbox.limits).toMatch(/^memory \d+ MiB, processes \d+, files \d+ MiB, \/tmp \d+ MiB$/);
  });

  it('says plainly when there is no sandbox, and what start will do about it', async () => {
    const doctor = runCli(['doctor', '--home', newHome()], { env: baseEnv({ XEENET_BWRAP: '/nonexistent/bwrap' }) });
    const exit = await doctor.exited;
    expect(exit.code, doctor.stderr()).toBe(0);
    expect(doctor.stdout()).toMatch(/Sandbox\s+NONE: \/nonexistent\/bwrap does not run/);
    expect(doctor.stdout()).toContain('Warning: no sandbox');
    expect(doctor.stdout()).toContain('`start` runs only platform built-in scripts whose signature verifies');
    expect(doctor.stdout()).toContain('unless it is given --allow-unsandboxed');
  });

  it('exits non-zero without PyTorch and prints the exact fix', async () => {
    const python = path.join(noTorchPythonDir(), 'python3');
    const doctor = runCli(['doctor', '--home', newHome()], { env: baseEnv({ XEENET_PYTHON: python }) });
    const exit = await doctor.exited;
    expect(exit.code).toBe(1);
    const text = doctor.stdout();
    expect(text).toContain('PyTorch    not found  MISSING');
    expect(text).toContain("No module named 'torch'");
    expect(text).toContain('Fix (any one of):');
    expect(text).toContain(`1. install PyTorch for that interpreter: ${python} -m pip install torch`);
  });
});

describe('xeenet-worker start', () => {
  it('refuses to work without PyTorch, says what to install, and leases nothing', async () => {
    const created = await submitBrief(api, { taskCount: 1, budgetS: 3 });
    const home = newHome();
    const w = startWorker({ server: api.url, home, env: { XEENET_PYTHON: path.join(noTorchPythonDir(), 'python3') } });
    const exit = await w.exited;
    expect(exit.code).toBe(1);
    expect(w.stderr()).toContain('xeenet-worker: PyTorch was not found, so no real task can be run.');
    expect(w.stderr()).toContain('-m pip install torch');
    expect(w.logs.find((line) => line.level === 'error')?.msg).toBe('PyTorch was not found; refusing to run tasks');
    // It did not even register, let alone lease.
    expect(existsSync(credentialsFile(home))).toBe(false);
    expect((await campaign(api, created.id)).tasks[0]).toMatchObject({ status: 'QUEUED', attempts: 0 });
    await cancelCampaign(api, created.id);
  });

  it('without a sandbox runs verified built-ins only, refuses a reviewed script (NO_SANDBOX, not an attempt), and runs it with --allow-unsandboxed', async () => {
    // A researcher's script, approved (so signed and REVIEWED): the admin uploads and approves it.
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: `mutation ($file: File!, $input: UploadScriptInput!) { uploadScript(input: $input, file: $file) { __typename
          ... on MutationUploadScriptSuccess { data { id } } ... on Error { message } } }`,
        variables: { file: null, input: { name: 'reviewed-probe', description: 'Prints its environment.', searchSpace: { x: 1 }, budgetKinds: ['WALL'] } },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', new Blob([readFileSync(path.join(FIXTURES, 'env_probe.py'))]), 'env_probe.py');
    const uploaded = (await (await fetch(api.graphqlUrl, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: form })).json()) as {
      data: { uploadScript: { __typename: string; data: { id: string } } };
    };
    const scriptId = uploaded.data.uploadScript.data.id;
    const approved = await gql(api, 'mutation ($id: ID!) { approveScript(id: $id) { __typename } }', { id: scriptId });
    expect(approved.approveScript.__typename).toBe('MutationApproveScriptSuccess');

    const env = { XEENET_BWRAP: '/nonexistent/bwrap' };
    const home = newHome();
    const reviewed = await submitBrief(api, { script: scriptId, taskCount: 1, budgetS: 2, searchSpace: { x: 1 } });
    const refusing = startWorker({ server: api.url, home, env, args: ['--max-tasks', '1'] });
    expect((await refusing.exited).code, refusing.stderr()).toBe(0);
    expect(refusing.logs.some((line) => line.level === 'warn' && line.msg.includes('only platform built-in scripts will run'))).toBe(true);
    expect(refusing.logs.find((line) => line.msg === 'refusing the task')).toMatchObject({ code: 'NO_SANDBOX' });
    expect(refusing.logs.find((line) => line.msg === 'task refused')).toMatchObject({ code: 'NO_SANDBOX' });
    expect(refusing.logs.filter((line) => line.msg === 'task started')).toEqual([]);
    expect((await campaign(api, reviewed.id)).tasks[0]).toMatchObject({ status: 'QUEUED', attempts: 0 });

    // A built-in (char-tiny), signed: it runs unsandboxed without the flag.
    const builtin = await submitBrief(api, { taskCount: 1, budgetS: TRAIN_BUDGET_S });
    const plain = startWorker({ server: api.url, home, env, args: ['--max-tasks', '1'] });
    expect((await plain.exited).code, plain.stderr()).toBe(0);
    expect(plain.logs.find((line) => line.msg === 'worker ready')!.sandboxed).toBe(false);
    expect((await campaign(api, builtin.id)).stats.succeeded).toBe(1);

    // With the opt-in, a fresh machine (the refusal excludes the task for the first one) runs the reviewed script.
    const opted = startWorker({ server: api.url, home: newHome(), env, args: ['--allow-unsandboxed', '--max-tasks', '1'] });
    expect((await opted.exited).code, opted.stderr()).toBe(0);
    expect(opted.logs.some((line) => line.level === 'warn' && line.msg.startsWith('NO SANDBOX'))).toBe(true);
    expect((await campaign(api, reviewed.id)).stats.succeeded).toBe(1);
  });

  it('rejects bad usage with exit status 2', async () => {
    for (const args of [
      ['start'],
      ['start', '--server', 'localhost:4000'],
      ['start', '--server', api.url, '--slots', '0'],
      ['start', '--server', api.url, '--memory-limit', '0'],
      ['start', '--server', api.url, '--warm-lead', '-1'],
      ['frobnicate'],
      ['doctor', '--simulate'],
      ['doctor', '--allow-unsandboxed'],
      ['start', '--bogus'],
      ['start', '--server', api.url, '--hours', '22-7'],
      ['start', '--server', api.url, '--accept-scripts', 'builtin,anything'],
      ['start', '--server', api.url, '--idle-max-load', '2'],
      ['start', '--server', api.url, '--daily-hours', '25'],
      ['start', '--server', api.url, '--page-port', '70000'],
      ['doctor', '--idle-only'],
    ]) {
      const cli = runCli([...args, '--home', newHome()]);
      expect((await cli.exited).code, args.join(' ')).toBe(2);
      expect(cli.stderr()).toMatch(/^xeenet-worker: /);
    }
    const help = runCli(['--help']);
    expect((await help.exited).code).toBe(0);
    expect(help.stdout()).toContain('xeenet-worker start --server URL');
  });

  it('--token registers the machine under that account', async () => {
    const data = await gql(
      api,
      `mutation { createAccount(input: { name: "ada", role: RESEARCHER }) { __typename ... on MutationCreateAccountSuccess { data { token } } } }`,
    );
    const w = startWorker({ server: api.url, args: ['--simulate', '--name', 'adas-laptop', '--token', data.createAccount.data.token] });
    await w.waitForLog((line) => line.msg === 'worker ready', 30_000);
    w.signal('SIGTERM');
    expect((await w.exited).code).toBe(0);
    const fleet = await gql(api, `{ workers(first: 50) { edges { node { name owner { name } } } } }`);
    const mine = fleet.workers.edges.map((edge: { node: unknown }) => edge.node).find((node: { name: string }) => node.name === 'adas-laptop');
    expect(mine).toEqual({ name: 'adas-laptop', owner: { name: 'ada' } });
  });

  it('stops with the way out when the server refuses the stored token (close code 4403)', async () => {
    const home = newHome();
    mkdirSync(path.join(home, 'config'), { recursive: true });
    const revoked = { token: 'xn_revoked_token_0000000000000000000000', workerId: 'V29ya2VyOng=', name: 'old', registeredAt: '2026-01-01T00:00:00Z', slots: 1, accountTokenSha256: null };
    writeFileSync(credentialsFile(home), JSON.stringify({ version: 1, servers: { [api.url]: { simulated: revoked } } }), { mode: 0o600 });
    const w = startWorker({ server: api.url, home, args: ['--simulate'] });
    expect((await w.exited).code).toBe(1);
    expect(w.stderr()).toContain("the server does not accept this machine's token");
    expect(w.stderr()).toContain(`xeenet-worker start --server ${api.url} --reregister`);
    const again = startWorker({ server: api.url, home, args: ['--simulate', '--reregister'] });
    await again.waitForLog((line) => line.msg === 'connected to the API', 30_000);
    again.signal('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });

  it('runs one worker per home folder', async () => {
    const home = newHome();
    const first = startWorker({ server: api.url, home, args: ['--simulate'] });
    await first.waitForLog((line) => line.msg === 'worker ready', 30_000);
    const second = startWorker({ server: api.url, home, args: ['--simulate'] });
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toContain(`another xeenet-worker (pid ${first.proc.pid}) is running with this state folder`);
    first.signal('SIGTERM');
    expect((await first.exited).code).toBe(0);
  });

  it.skipIf(!hasScript)('shows a live status line per slot on a terminal', async () => {
    const created = await submitBrief(api, { taskCount: 2, budgetS: 3, allowSimulated: true });
    const command = [process.execPath, WORKER_BIN, 'start', '--server', api.url, '--home', newHome(), '--simulate', '--slots', '2', '--max-tasks', '2']
      .map((arg) => `'${arg}'`)
      .join(' ');
    // `script` runs the worker on a pseudo-terminal, as a person at a shell would.
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { env: baseEnv({ TERM: 'xterm', COLUMNS: '120' }), encoding: 'utf8', timeout: 60_000 });
    const screen = result.stdout;
    const context = `${result.stderr}\n${screen.slice(-4000)}`;
    expect(result.status, context).toBe(0);
    // Both slots ran a task: a slot with nothing to do is served before another slot leases ahead.
    expect(screen, context).toContain('[SIMULATED] slot 1 │');
    expect(screen, context).toContain('[SIMULATED] slot 2 │');
    expect(screen, context).toMatch(/\/3 s {2}step/);
    expect(screen).toContain('\x1b['); // redrawn in place
    expect(screen).not.toContain('{"time"'); // human lines, not JSON, on a terminal
    expect((await campaign(api, created.id)).stats.succeeded).toBe(2);
  });
});
