// Task processes as the worker starts them (RealExecutor), with or without the sandbox, for tests
// that need no API: a fixture script, a fake dataset, the plain system Python.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lease } from '../../src/api/documents.ts';
import { RealExecutor, type RealExecutorOptions } from '../../src/execution.ts';
import type { PreparedTask } from '../../src/preparation.ts';
import type { PythonRuntime } from '../../src/python/discover.ts';
import { checkSandbox, type SandboxCheck } from '../../src/sandbox/host.ts';
import { resourceLimits } from '../../src/sandbox/limits.ts';
import { plainPython } from './python.ts';
import { tempDir } from './temp.ts';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'scripts');
export const SANDBOX_TEST_UID_BASE = 1_900_100_000;

export function fixtureRuntime(): PythonRuntime {
  return {
    executable: plainPython(),
    interpreter: plainPython(),
    source: 'system',
    pythonVersion: '3',
    torchVersion: 'unused',
    device: 'cpu',
    cudaVersion: null,
    gpuName: null,
    gpuMemoryMb: null,
    pythonUserBase: null,
    dirs: [],
    probeMs: 0,
  };
}

let checked: Promise<SandboxCheck> | null = null;

/** This machine's sandbox, checked once per test file. */
export function sandboxHere(): Promise<SandboxCheck> {
  checked ??= checkSandbox({ bwrap: process.env.XEENET_BWRAP ?? null, pathEnv: process.env.PATH ?? '/usr/bin:/bin', python: plainPython() });
  return checked;
}

export async function executor(options: { sandboxed: boolean } & Partial<RealExecutorOptions>): Promise<RealExecutor> {
  const check = await sandboxHere();
  if (options.sandboxed && !check.host) throw new Error(`no sandbox here: ${check.status.available ? '' : check.status.reason}`);
  return new RealExecutor({
    runtime: fixtureRuntime(),
    sandbox: options.sandboxed ? check.host : null,
    limits: resourceLimits({ ramMb: 4096, cores: 2 }, 1),
    runsDir: tempDir('xeenet-runs-'),
    passthroughEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    threads: null,
    cores: 2,
    gpu: false,
    killGraceS: 15,
    parentDeathSignal: true,
    preload: [],
    sandboxUidBase: SANDBOX_TEST_UID_BASE,
    privateDirs: [],
    ...options,
  });
}

/** A prepared task running fixture `script` with `budgetS`, its dataset a small text file. */
export function fixtureTask(script: string, budgetS: number, config: Record<string, unknown> = {}): PreparedTask {
  const dir = tempDir('xeenet-task-');
  const datasetPath = path.join(dir, 'dataset.txt');
  writeFileSync(datasetPath, 'to be or not to be\n');
  const lease = {
    token: 'lease-token',
    taskId: `task-${Math.random().toString(16).slice(2)}`,
    campaignId: 'campaign',
    index: 0,
    config,
    seed: 1,
    budgetS,
    attempt: 1,
    maxAttempts: 1,
    expiresAt: new Date(Date.now() + 60_000).toISOString(),
    budget: { kind: 'WALL', unit: null, amount: null, capS: budgetS, maxWallS: budgetS },
    campaignOwnerId: 'QWNjb3VudDpvd25lcg==',
    ownMachinesOnly: false,
    script: { sha256: 'a'.repeat(64), url: '/artifacts/a', name: script, sizeBytes: 1, scriptId: 'script', version: 1, trust: 'BUILTIN', signature: null, signingKeyId: null },
    dataset: { sha256: 'b'.repeat(64), url: '/artifacts/b', name: 'dataset', sizeBytes: 1 },
  } satisfies Lease;
  return { lease, script: readFileSync(path.join(FIXTURES, script)), datasetPath, config: { ...config, budget_s: budgetS, seed: 1 } };
}
