// The subprocess runner against real Python processes: bootstrap, signals, the kill deadline,
// process groups, and no orphans when the worker itself is killed with SIGKILL.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classify } from '../src/outcome.ts';
import { taskEnvironment } from '../src/python/task-env.ts';
import { type RunSpec, TaskProcess } from '../src/runner.ts';
import { plainPython } from './helpers/python.ts';
import { waitUntil } from './helpers/wait.ts';
import { processAlive } from './helpers/worker.ts';
import { processGroupMembers } from './helpers/files.ts';
import { tempDir } from './helpers/temp.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'scripts');

function spec(script: string, budgetS: number, extra: Partial<RunSpec> = {}): RunSpec {
  const workDir = tempDir('xeenet-run-');
  const config = path.join(workDir, 'config.json');
  writeFileSync(config, JSON.stringify({ budget_s: budgetS, seed: 1, dataset_path: '/dev/null' }));
  const scriptPath = path.join(workDir, 'script.py');
  writeFileSync(scriptPath, readFileSync(path.join(FIXTURES, script)));
  return {
    python: plainPython(),
    script: scriptPath,
    config,
    cwd: workDir,
    env: taskEnvironment({ passthrough: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, workDir }),
    budgetS,
    ...extra,
  };
}

describe('TaskProcess', () => {
  it('runs the script as __main__ with argv, cwd and sys.path of a plain `python script config`', async () => {
    const run = spec('env_probe.py', 30);
    const report = await new TaskProcess(run).done;
    expect(report.exitCode).toBe(0);
    const outcome = classify(report, { budgetS: 30, killGraceS: 15 });
    expect(outcome.kind).toBe('complete');
    const metrics = (outcome.kind === 'complete' ? outcome.result.metrics : {}) as Record<string, any>;
    expect(metrics.name).toBe('__main__');
    expect(metrics.argv).toEqual([run.script, run.config]);
    expect(metrics.path0).toBe(run.cwd);
    expect(metrics.cwd).toBe(run.cwd);
    expect(metrics.env.HOME).toBe(run.cwd);
    // Its own process group, led by the guard the worker started (the script is the guard's child).
    expect(metrics.pgid).toBe(report.pid);
    expect(metrics.ppid).toBe(report.pid);
    expect(report.progressLines).toBe(1);
    expect(report.lastProgress).toEqual({ step: 1, trainLoss: 3.5, elapsedS: 0.1 });
  });

  it('sends SIGTERM at budget_s; a script that then reports succeeds', async () => {
    const report = await new TaskProcess(spec('until_sigterm.py', 1.5)).done;
    expect(report.termSentAtS).toBeGreaterThanOrEqual(1.5);
    expect(report.termSentAtS).toBeLessThan(2.5);
    expect(report.killSentAtS).toBeNull();
    const outcome = classify(report, { budgetS: 1.5, killGraceS: 15 });
    expect(outcome.kind).toBe('complete');
    expect(report.progressLines).toBeGreaterThan(3);
  });

  it('sends SIGKILL at budget_s + grace to a script that ignores SIGTERM', async () => {
    const report = await new TaskProcess(spec('hang.py', 1, { killGraceS: 2 })).done;
    expect(report.signal).toBe('SIGKILL');
    expect(report.killSentAtS).toBeGreaterThanOrEqual(3);
    expect(report.wallS).toBeGreaterThanOrEqual(3);
    expect(report.wallS).toBeLessThan(5);
    const outcome = classify(report, { budgetS: 1, killGraceS: 2 });
    expect(outcome.kind === 'fail' && outcome.failure.reason).toMatch(/^killed at budget_s \+ 2 s \(3 s\)/);
    expect(outcome.kind === 'fail' && outcome.failure.stderrTail).toContain('ignoring SIGTERM');
  });

  it('kills what a script leaves behind in its process group', async () => {
    const report = await new TaskProcess(spec('leaves_child.py', 30)).done;
    expect(report.exitCode).toBe(0);
    const childPid = report.resultLines[0]!.child_pid as number;
    await waitUntil(() => !processAlive(childPid), 3000, 'the left-behind child to be killed');
  });

  it('reports a missing interpreter as a spawn error', async () => {
    const report = await new TaskProcess(spec('env_probe.py', 5, { python: '/nonexistent/python3' })).done;
    expect(report.spawnError).toContain('ENOENT');
    expect(classify(report, { budgetS: 5, killGraceS: 15 }).kind).toBe('fail');
  });

  it('abort() kills the whole group at once', async () => {
    const task = new TaskProcess(spec('until_sigterm.py', 60));
    await waitUntil(() => task.progress, 5000, 'first progress');
    task.abort('test');
    const report = await task.done;
    expect(report.signal).toBe('SIGKILL');
    expect(report.abortReason).toBe('test');
    expect(report.wallS).toBeLessThan(10);
  });

  it('ignores abort() once the script has exited: its result stands', async () => {
    // A child outside the group keeps stdout open for a second, so the exit comes well before the
    // output is drained; a stop arriving then must not turn the finished run into an aborted one.
    const task = new TaskProcess(spec('exits_holding_stdout.py', 30));
    await waitUntil(() => task.exited, 10_000, 'the script to exit');
    task.abort('shutdown');
    const report = await task.done;
    expect(report.abortReason).toBeNull();
    expect(report.killSentAtS).toBeNull();
    expect(classify(report, { budgetS: 30, killGraceS: 15 }).kind).toBe('complete');
  });

  // The guard leads the group: on kill -9 of the worker it SIGKILLs everything in it, told by
  // PR_SET_PDEATHSIG on Linux or, with prctl switched off (as on macOS), by its parent-pid watchdog.
  it.each([
    ['PR_SET_PDEATHSIG', true],
    ['the watchdog (prctl disabled)', false],
  ])('leaves no process of the task behind when the worker is killed with SIGKILL: %s', async (_how, parentDeathSignal) => {
    // A stand-in worker: a Node process that starts a task and waits; the test kill -9s it. The
    // script starts a subprocess and a multiprocessing child, then is silent and ignores SIGTERM,
    // so only the guard can stop them (a chatty script would also die of the broken stdout pipe).
    const run = spec('spawns_and_hangs.py', 600, { parentDeathSignal });
    const runner = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'runner.ts');
    const program = `
      const { TaskProcess } = await import(${JSON.stringify(runner)});
      const task = new TaskProcess(${JSON.stringify(run)}, { onSpawn: (pid) => console.log('PID ' + pid) });
      await task.done;
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const pgid = await waitUntil(() => Number(/PID (\d+)/.exec(out)?.[1]) || null, 10_000, 'the task to start');
    const started = await waitUntil(
      () => (existsSync(path.join(run.cwd, 'children.json')) ? (JSON.parse(readFileSync(path.join(run.cwd, 'children.json'), 'utf8')) as { script: number; children: number[] }) : null),
      10_000,
      'the script to start its children',
    );
    const everyone = [pgid, started.script, ...started.children];
    expect(everyone.every(processAlive)).toBe(true);
    expect(processGroupMembers(pgid).sort()).toEqual([...everyone].sort());
    parent.kill('SIGKILL');
    await waitUntil(() => processGroupMembers(pgid).length === 0, 3000, 'every process of the task to die with the worker');
    expect(everyone.filter(processAlive)).toEqual([]);
  });
});
