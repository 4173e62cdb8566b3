// Finding PyTorch, with real interpreters: the order, an explicit XEENET_PYTHON that lacks torch
// (refused), the private venv, and provisioning that gives up quickly without an index and says
// exactly what to install.
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NvidiaReport, OsRelease } from '../src/hardware.ts';
import { silentLogger } from '../src/log.ts';
import { discoverPython, venvPython } from '../src/python/discover.ts';
import { loadSettings, type Settings } from '../src/settings.ts';
import { freePort } from './helpers/api.ts';
import { noTorchPythonDir, plainPython } from './helpers/python.ts';
import { tempDir } from './helpers/temp.ts';

const NO_GPU: NvidiaReport = { available: false, gpus: [], cudaVersion: null, error: 'nvidia-smi is not installed' };
const DEBIAN: OsRelease = { id: 'debian', idLike: [], prettyName: 'Debian GNU/Linux 12 (bookworm)' };

async function settingsFor(options: { path: string; python?: string; isRoot?: boolean }): Promise<Settings> {
  const home = tempDir('xeenet-discover-');
  const closedPort = await freePort();
  const settings = loadSettings({
    HOME: home,
    PATH: options.path,
    XEENET_WORKER_HOME: home,
    XEENET_TORCH_INDEX_URL: `http://127.0.0.1:${closedPort}/whl`,
    ...(options.python ? { XEENET_PYTHON: options.python } : {}),
  });
  return { ...settings, isRoot: options.isRoot ?? false };
}

const SYSTEM_BIN = '/usr/local/bin:/usr/bin:/bin';

describe('discoverPython', () => {
  it('skips a python3 on PATH without torch and takes the system interpreter that has it', async () => {
    const noTorch = noTorchPythonDir();
    const settings = await settingsFor({ path: `${noTorch}:${SYSTEM_BIN}` });
    const discovery = await discoverPython({ settings, log: silentLogger, provision: false, nvidia: NO_GPU, os: DEBIAN, systemPythons: ['/usr/bin/python3'] });
    expect(discovery.attempts[0]).toMatchObject({ step: 'python3 on PATH', executable: path.join(noTorch, 'python3'), ok: false });
    expect(discovery.attempts[0]!.detail).toMatch(/No module named 'torch'/);
    expect(discovery.runtime).toMatchObject({ executable: '/usr/bin/python3', source: 'system', device: 'cpu' });
    expect(discovery.runtime!.torchVersion).toMatch(/^\d+\.\d+/);
  });

  it('refuses an explicit XEENET_PYTHON that cannot import torch, with the fix', async () => {
    const python = path.join(noTorchPythonDir(), 'python3');
    const settings = await settingsFor({ path: SYSTEM_BIN, python });
    const discovery = await discoverPython({ settings, log: silentLogger, provision: true, nvidia: NO_GPU, os: DEBIAN });
    expect(discovery.runtime).toBeNull();
    // It does not fall back to another interpreter behind the user's back.
    expect(discovery.attempts).toHaveLength(1);
    expect(discovery.fixes[0]).toBe(`install PyTorch for that interpreter: ${python} -m pip install torch`);
  });

  it('uses the private venv when no system interpreter has torch', async () => {
    const settings = await settingsFor({ path: noTorchPythonDir() });
    // Stand-in for an environment `start` provisioned earlier: its python is a real interpreter with torch.
    const venv = venvPython(settings.dataDir);
    mkdirSync(path.dirname(venv), { recursive: true });
    symlinkSync(plainPython(), venv);
    const discovery = await discoverPython({ settings, log: silentLogger, provision: false, nvidia: NO_GPU, os: DEBIAN, systemPythons: [] });
    expect(discovery.runtime).toMatchObject({ executable: venv, source: 'venv' });
  });

  it('gives up quickly when no index answers and it may not use apt-get, and says what to install', async () => {
    const settings = await settingsFor({ path: noTorchPythonDir(), isRoot: false });
    const started = Date.now();
    const discovery = await discoverPython({ settings, log: silentLogger, provision: true, nvidia: NO_GPU, os: DEBIAN, systemPythons: [] });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(discovery.runtime).toBeNull();
    const steps = Object.fromEntries(discovery.attempts.map((attempt) => [attempt.step, attempt.detail]));
    expect(steps['pip (private venv)']).toMatch(/^skipped: http:\/\/127\.0\.0\.1:\d+\/whl\/cpu\/torch\/ is not reachable/);
    expect(steps['apt-get']).toBe('skipped: installing python3-torch needs root');
    expect(discovery.fixes[0]).toBe(
      'Debian 12+ / Ubuntu 24.04+: sudo apt-get update && sudo apt-get install -y python3-torch libopenblas0-pthread   (or run `xeenet-worker start` as root once: it does this itself)',
    );
    expect(discovery.fixes[1]).toContain(`-m venv ${path.join(settings.dataDir, 'venv')} && ${venvPython(settings.dataDir)} -m pip install torch --index-url`);
    expect(discovery.fixes.join('\n')).toContain('XEENET_PYTHON=');
  });

  it('asks for the CUDA build that matches the driver', async () => {
    const settings = await settingsFor({ path: noTorchPythonDir() });
    const gpu: NvidiaReport = { available: true, gpus: [{ name: 'NVIDIA H100', memoryMb: 81559, driverVersion: '570.1' }], cudaVersion: '12.8', error: null };
    const discovery = await discoverPython({ settings, log: silentLogger, provision: true, nvidia: gpu, os: { id: 'fedora', idLike: [], prettyName: null }, systemPythons: [] });
    expect(discovery.attempts.find((attempt) => attempt.step === 'pip (private venv)')?.detail).toContain('/whl/cu128/torch/');
    expect(discovery.fixes[0]).toContain('--index-url http://127.0.0.1:');
    expect(discovery.fixes[0]).toContain('/whl/cu128');
    expect(discovery.fixes.join('\n')).not.toContain('apt-get');
  });
});
