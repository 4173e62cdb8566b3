// Task processes against real Python: the bootstrap and its warm start, the handoff and the budget
// clock, signals, the kill deadline, process groups, and no orphans when the worker itself is
// killed with SIGKILL — unsandboxed, and in the bubblewrap sandbox where this machine has one.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classify } from '../src/outcome.ts';
import { probePython } from '../src/python/probe.ts';
import { executor, fixtureRuntime, fixtureTask, sandboxHere } from './helpers/executor.ts';
import { descendants, processesMentioning } from './helpers/files.ts';
import { waitUntil } from './helpers/wait.ts';
import { plainPython } from './helpers/python.ts';
import { tempDir } from './helpers/temp.ts';
import { processAlive } from './helpers/worker.ts';

const sandbox = await sandboxHere();
const SKIP_SANDBOX = sandbox.status.available ? false : `no sandbox here: ${sandbox.status.reason}`;
const MODES = [
  { mode: 'unsandboxed', sandboxed: false, skip: false },
  { mode: `sandboxed${SKIP_SANDBOX ? ` (skipped: ${SKIP_SANDBOX})` : ''}`, sandboxed: true, skip: Boolean(SKIP_SANDBOX) },
] as const;

const options = (budgetS: number) => ({ budgetS, killGraceS: 15 });

for (const { mode, sandboxed, skip } of MODES) {
  describe.skipIf(skip)(`a task process, ${mode}`, () => {
    it('runs the script as __main__ with the argv and sys.path of `python script config`, after the handoff', async () => {
      const runs = await executor({ sandboxed });
      const warm = await runs.warm(0);
      const ready = await warm.ready;
      expect(ready).toMatchObject({ preloadError: null });
      // Waiting warm changes nothing for the script: its process is born at the handoff.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const task = fixtureTask('env_probe.py', 30, { x: 1 });
      const handle = await warm.start(task);
      const end = await handle.done;
      expect(end.exitCode).toBe(0);
      expect(end.outcome.kind).toBe('complete');
      const metrics = (end.outcome.kind === 'complete' ? end.outcome.result.metrics : {}) as Record<string, any>;
      expect(metrics.name).toBe('__main__');
      const [script, config] = metrics.argv as string[];
      expect(path.basename(script!)).toBe('script.py');
      expect(config).toBe(path.join(metrics.cwd, 'config.json'));
      expect(metrics.path0).toBe(path.dirname(script!));
      expect(metrics.env.HOME).toBe(metrics.cwd);
      // The config it was handed, with where the dataset shows to it.
      expect(metrics.config).toMatchObject({ x: 1, budget_s: 30, seed: 1 });
      expect(readFileSync(task.datasetPath, 'utf8')).toBe('to be or not to be\n');
      // The budget clock: set by the bootstrap at the handoff, in the script's own process.
      const clock = Number(metrics.env.XEENET_BUDGET_CLOCK_START);
      expect(metrics.monotonic - clock).toBeGreaterThanOrEqual(0);
      expect(metrics.monotonic - clock).toBeLessThan(0.5);
      expect(Object.keys(metrics.env).filter((name) => name.startsWith('XEENET_'))).toEqual(['XEENET_BUDGET_CLOCK_START']);
      expect(metrics.process_age_s).toBeLessThan(0.5);
      expect(end.report?.progressLines).toBe(1);
      expect(end.report?.lastProgress).toEqual({ step: 1, trainLoss: 3.5, elapsedS: 0.1 });
      if (sandboxed) {
        expect(metrics.cwd).toBe('/xeenet/task');
        expect(script).toBe('/xeenet/script/script.py');
        expect(metrics.config.dataset_path).toBe(`/xeenet/data/${'b'.repeat(64)}`);
        expect(metrics.hostname).toBe('xeenet-task');
        expect(metrics.root).toEqual(['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'sbin', 'tmp', 'usr', 'xeenet'].filter((name) => metrics.root.includes(name)));
        expect(metrics.root).not.toContain('root');
        expect(metrics.root).not.toContain('home');
        expect(metrics.etc).not.toContain('shadow');
        expect(metrics.etc).toContain('passwd');
        expect(metrics.env.TMPDIR).toBe('/tmp');
        if (sandbox.host?.asRoot) expect(metrics.uid).toBeGreaterThanOrEqual(1_900_100_000);
      } else {
        expect(metrics.config.dataset_path).toBe(task.datasetPath);
        // Its own process group, led by the guard the worker started (the script is its grandchild:
        // the warm interpreter forked it at the handoff).
        expect(metrics.pgid).toBe(end.pid);
        expect(metrics.ppid).not.toBe(end.pid);
      }
      await warm.cleanup();
      expect(existsSync(warm.folder!)).toBe(false);
    });

    it('runs nothing of the script before the handoff, and an interpreter never started dies with discard()', async () => {
      const runs = await executor({ sandboxed });
      const warm = await runs.warm(0);
      await warm.ready;
      const tree = descendants(process.pid);
      expect(tree.length).toBeGreaterThan(0);
      await warm.discard('released');
      await waitUntil(() => tree.every((pid) => !processAlive(pid)), 3000, 'the warm interpreter to die');
      expect(existsSync(warm.folder!)).toBe(false);
    });

    it('sends SIGTERM at budget_s after the handoff; a script that then reports succeeds', async () => {
      const runs = await executor({ sandboxed });
      const warm = await runs.warm(0);
      await warm.ready;
      await new Promise((resolve) => setTimeout(resolve, 500)); // a warm wait never counts against the budget
      const end = await (await warm.start(fixtureTask('until_sigterm.py', 1.5))).done;
      expect(end.report!.termSentAtS).toBeGreaterThanOrEqual(1.5);
      expect(end.report!.termSentAtS).toBeLessThan(2.5);
      expect(end.report!.killSentAtS).toBeNull();
      expect(end.outcome.kind).toBe('complete');
      const metrics = end.outcome.kind === 'complete' ? end.outcome.result.metrics : {};
      // At budget_s on the budget clock (the script's own start comes a little after it).
      expect(metrics.sigterm_after_clock_s).toBeGreaterThanOrEqual(1.5);
      expect(metrics.sigterm_after_clock_s).toBeLessThan(2.5);
      expect(end.report!.progressLines).toBeGreaterThan(3);
    });

    it('sends SIGKILL at budget_s + grace to a script that ignores SIGTERM', async () => {
      const runs = await executor({ sandboxed, killGraceS: 2 });
      const warm = await runs.warm(0);
      const end = await (await warm.start(fixtureTask('hang.py', 1))).done;
      expect(end.signal).toBe('SIGKILL');
      expect(end.report!.killSentAtS).toBeGreaterThanOrEqual(3);
      expect(end.wallS).toBeGreaterThanOrEqual(3);
      expect(end.wallS).toBeLessThan(5);
      const outcome = classify(end.report!, { budgetS: 1, killGraceS: 2 });
      expect(outcome.kind === 'fail' && outcome.failure.reason).toMatch(/^killed at budget_s \+ 2 s \(3 s\)/);
      expect(outcome.kind === 'fail' && outcome.failure.stderrTail).toContain('ignoring SIGTERM');
    });

    it('kills what a script leaves behind', async () => {
      const runs = await executor({ sandboxed });
      const warm = await runs.warm(0);
      const marker = `xeenet-leaves-child-${Math.random().toString(16).slice(2)}`;
      const handle = await warm.start(fixtureTask('leaves_child.py', 30, { marker }));
      const left = await waitUntil(() => processesMentioning(marker)[0], 5000, 'the child to start');
      const end = await handle.done;
      expect(end.exitCode).toBe(0);
      await waitUntil(() => !processAlive(left), 3000, 'the child the script left behind to be killed');
    });

    it('runs an interpreter from a private venv (its folders bound read-only where they are)', async () => {
      const venv = path.join(tempDir('xeenet-data-'), 'venv');
      execFileSync(plainPython(), ['-m', 'venv', '--without-pip', '--system-site-packages', venv]);
      const probe = await probePython(path.join(venv, 'bin', 'python'), { passthrough: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      expect(probe.info?.dirs).toContain(venv);
      const runtime = { ...fixtureRuntime(), executable: path.join(venv, 'bin', 'python'), interpreter: probe.info!.executable, dirs: probe.info!.dirs };
      const runs = await executor({ sandboxed, runtime });
      const end = await (await (await runs.warm(0)).start(fixtureTask('env_probe.py', 10))).done;
      expect(end.outcome.kind, end.report?.stderrTail).toBe('complete');
      expect(end.outcome.kind === 'complete' && end.outcome.result.metrics.prefix).toBe(venv);
    });

    it('on the way out joins threads and runs atexit handlers, and keeps the exit status', async () => {
      const runs = await executor({ sandboxed });
      const warm = await runs.warm(0);
      const end = await (await warm.start(fixtureTask('exits_cleanly.py', 10))).done;
      expect(end.exitCode).toBe(3);
      expect(readFileSync(path.join(warm.folder!, 'work', 'atexit.txt'), 'utf8')).toBe('ran\n');
      expect(readFileSync(path.join(warm.folder!, 'work', 'thread.txt'), 'utf8')).toBe('joined\n');
      await warm.cleanup();
    });

    it('reports an interpreter that cannot be started', async () => {
      const runs = await executor({ sandboxed, runtime: { ...fixtureRuntime(), executable: '/nonexistent/python3', interpreter: '/nonexistent/python3' } });
      const warm = await runs.warm(0);
      expect(await warm.ready).toBeNull();
      const end = await (await warm.start(fixtureTask('env_probe.py', 5))).done;
      expect(end.outcome.kind === 'fail' && end.outcome.failure.reason).toMatch(sandboxed ? /^the interpreter exited with code 1 before the script was started — stderr: bwrap: .*nonexistent/ : /^could not start Python: ENOENT/);
    });

    it('abort() kills the whole task at once', async () => {
      const runs = await executor({ sandboxed });
      const warm = await runs.warm(0);
      const handle = await warm.start(fixtureTask('until_sigterm.py', 60));
      await waitUntil(() => handle.progress, 5000, 'first progress');
      handle.abort('test');
      const end = await handle.done;
      expect(end.signal).toBe('SIGKILL');
      expect(end.aborted).toBe('test');
      expect(end.wallS).toBeLessThan(10);
    });

    it('ignores abort() once the script has exited: its result stands', async () => {
      // A child outside the group keeps stdout open for a second, so the exit comes well before the
      // output is drained; a stop arriving then must not turn the finished run into an aborted one.
      const runs = await executor({ sandboxed });
      const warm = await runs.warm(0);
      const handle = await warm.start(fixtureTask('exits_holding_stdout.py', 30));
      await waitUntil(() => handle.exited, 10_000, 'the script to exit');
      handle.abort('shutdown');
      const report = (await handle.done).report!;
      expect(report.abortReason).toBeNull();
      expect(report.killSentAtS).toBeNull();
      expect(classify(report, options(30)).kind).toBe('complete');
    });

    // kill -9 of the worker: the guard (told by PR_SET_PDEATHSIG, or by the end of its control
    // channel where there is no prctl, as on macOS) or the sandbox (--die-with-parent and its PID
    // namespace) take everything of the task down with it.
    it.each(sandboxed ? [['the sandbox', true]] : [['PR_SET_PDEATHSIG', true], ['the end of the control channel (prctl disabled)', false]])(
      'leaves no process of the task behind when the worker is killed with SIGKILL: %s',
      async (_how, parentDeathSignal) => {
        // A stand-in worker: a Node process that starts a task and waits; the test kill -9s it. The
        // script starts a subprocess and a multiprocessing child, then is silent and ignores SIGTERM.
        const execution = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'helpers', 'executor.ts');
        const program = `
          const { executor, fixtureTask } = await import(${JSON.stringify(execution)});
          const runs = await executor({ sandboxed: ${sandboxed}, parentDeathSignal: ${parentDeathSignal} });
          const warm = await runs.warm(0);
          const handle = await warm.start(fixtureTask('spawns_and_hangs.py', 600));
          console.log('RUN ' + warm.folder + ' PID ' + handle.pid);
          await handle.done;
        `;
        const parent = spawn(process.execPath, ['--input-type=module', '-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        const folder = await waitUntil(() => /RUN (\S+) PID/.exec(out)?.[1] ?? null, 20_000, 'the task to start');
        await waitUntil(() => existsSync(path.join(folder, 'work', 'children.json')), 10_000, 'the script to start its children');
        const tree = descendants(parent.pid!);
        // bwrap, its init, the guard, the script, its subprocess and its multiprocessing child (or without bwrap: four).
        expect(tree.length).toBeGreaterThanOrEqual(sandboxed ? 6 : 4);
        parent.kill('SIGKILL');
        await waitUntil(() => tree.every((pid) => !processAlive(pid)), 3000, 'every process of the task to die with the worker');
      },
    );
  });
}

