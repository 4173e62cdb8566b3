// Finding (or provisioning) a Python that imports PyTorch, in a fixed order:
//   1. XEENET_PYTHON (an explicit choice: used or refused, never silently replaced)
//   2. `python3` on PATH, then /usr/bin/python3
//   3. the worker's private virtual environment, created with pip where a package index answers
//   4. on Debian or Ubuntu as root: apt-get install python3-torch libopenblas0-pthread
//   5. otherwise: stop and say exactly what to install.
import { constants } from 'node:fs';
import { access, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { isDebianLike, type NvidiaReport, type OsRelease, run } from '../hardware.ts';
import type { Settings } from '../settings.ts';
import { type ProbeInfo, type ProbeResult, probePython } from './probe.ts';

export type PythonSource = 'XEENET_PYTHON' | 'PATH' | 'system' | 'venv' | 'apt';

export interface PythonRuntime {
  executable: string;
  /** sys.executable as the interpreter reports it (not a wrapper or shim in front of it): what a
   * sandbox runs, since only the interpreter's own folders are bound there. */
  interpreter: string;
  source: PythonSource;
  pythonVersion: string;
  torchVersion: string;
  device: 'cuda' | 'mps' | 'cpu';
  cudaVersion: string | null;
  gpuName: string | null;
  gpuMemoryMb: number | null;
  /** PYTHONUSERBASE for training subprocesses, when torch is in the user's site-packages. */
  pythonUserBase: string | null;
  /** Folders the interpreter reads (prefixes, sys.path): a sandbox binds those outside /usr. */
  dirs: string[];
  probeMs: number;
}

export interface Attempt {
  step: string;
  executable?: string;
  ok: boolean;
  detail: string;
}

export interface Discovery {
  runtime: PythonRuntime | null;
  attempts: Attempt[];
  /** When runtime is null: exact commands that would fix it. */
  fixes: string[];
}

export interface DiscoverOptions {
  settings: Settings;
  log: Logger;
  /** Create a venv / run apt-get when nothing is found (start does; doctor does not). */
  provision: boolean;
  nvidia: NvidiaReport;
  os: OsRelease;
  platform?: NodeJS.Platform;
  /** Interpreters tried after `python3` on PATH. */
  systemPythons?: string[];
  indexTimeoutMs?: number;
  /** A stop during start-up: kills probes, pip and apt-get, and ends the search. */
  signal?: AbortSignal;
}

const VENV_DIR = 'venv';

export function venvPython(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? path.join(dataDir, VENV_DIR, 'Scripts', 'python.exe') : path.join(dataDir, VENV_DIR, 'bin', 'python');
}

/** The PyTorch wheel variant for this machine: a CUDA build the driver supports, else CPU. */
export function torchVariant(cudaDriverVersion: string | null, platform: NodeJS.Platform = process.platform): string {
  if (platform !== 'linux' && platform !== 'win32') return 'default';
  if (!cudaDriverVersion) return 'cpu';
  const [major = 0, minor = 0] = cudaDriverVersion.split('.').map(Number);
  const version = major * 100 + minor;
  if (version >= 1300) return 'cu130';
  if (version >= 1208) return 'cu128';
  if (version >= 1206) return 'cu126';
  if (version >= 1108) return 'cu118';
  return 'cpu';
}

/** Where pip should get torch from: the user's own index, else PyTorch's index for the variant. */
export function torchIndex(settings: Settings, variant: string): { url: string | null; label: string } {
  if (settings.pipIndexUrl) return { url: settings.pipIndexUrl.replace(/\/+$/, ''), label: `PIP_INDEX_URL (${settings.pipIndexUrl})` };
  if (variant === 'default') return { url: null, label: 'PyPI' };
  return { url: `${settings.torchIndexUrl}/${variant}`, label: `${settings.torchIndexUrl}/${variant}` };
}

/** True when the index answers for torch within the timeout (pip would otherwise hang on retries). */
export async function indexReachable(indexUrl: string | null, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: boolean; detail: string }> {
  const url = `${indexUrl ?? 'https://pypi.org/simple'}/torch/`;
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { method: 'GET', signal: signal ? AbortSignal.any([signal, deadline]) : deadline, redirect: 'follow' });
    await response.body?.cancel();
    return response.ok ? { ok: true, detail: `${url} answered ${response.status}` } : { ok: false, detail: `${url} answered ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { ok: false, detail: `${url} is not reachable (${reason})` };
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The first `name` on a PATH string, like `command -v`. */
export async function which(name: string, pathEnv: string): Promise<string | null> {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

function runtimeFrom(info: ProbeInfo, executable: string, source: PythonSource, userBase: string | null, ms: number): PythonRuntime {
  return {
    executable,
    interpreter: info.executable || executable,
    source,
    pythonVersion: info.python,
    torchVersion: info.torch!,
    device: info.cuda ? 'cuda' : info.mps ? 'mps' : 'cpu',
    cudaVersion: info.cudaVersion,
    gpuName: info.gpuName,
    gpuMemoryMb: info.gpuMemoryMb,
    pythonUserBase: userBase,
    dirs: info.dirs,
    probeMs: ms,
  };
}

/**
 * Probes in a scrubbed environment (HOME = a temporary folder). When torch is only found with the
 * real HOME (a `pip install --user` torch), training subprocesses get PYTHONUSERBASE to find it.
 */
async function probeCandidate(executable: string, settings: Settings, signal?: AbortSignal): Promise<{ result: ProbeResult; userBase: string | null }> {
  const result = await probePython(executable, { passthrough: settings.passthroughEnv, signal });
  if (result.ok || !result.info) return { result, userBase: null };
  const withHome = await probePython(executable, { passthrough: settings.passthroughEnv, home: settings.userHome, signal });
  if (withHome.ok && withHome.info.userBase && withHome.info.torchFile?.startsWith(withHome.info.userBase)) {
    const again = await probePython(executable, { passthrough: settings.passthroughEnv, pythonUserBase: withHome.info.userBase, signal });
    if (again.ok) return { result: again, userBase: withHome.info.userBase };
  }
  return { result, userBase: null };
}

/** The exact commands that give this machine a Python with PyTorch. */
export function fixesFor(options: { settings: Settings; os: OsRelease; nvidia: NvidiaReport; platform: NodeJS.Platform; basePython: string | null }): string[] {
  const { settings, platform } = options;
  const venv = path.join(settings.dataDir, VENV_DIR);
  const variant = torchVariant(options.nvidia.cudaVersion, platform);
  const index = torchIndex(settings, variant);
  const indexArg = index.url ? ` --index-url ${index.url}` : '';
  const base = options.basePython ?? 'python3';
  const fixes: string[] = [];
  if (platform === 'linux' && isDebianLike(options.os)) {
    fixes.push(
      `Debian 12+ / Ubuntu 24.04+: ${settings.isRoot ? '' : 'sudo '}apt-get update && ${settings.isRoot ? '' : 'sudo '}apt-get install -y python3-torch libopenblas0-pthread` +
        (settings.isRoot ? '' : '   (or run `xeenet-worker start` as root once: it does this itself)'),
    );
  }
  fixes.push(
    `any system with internet access: ${base} -m venv ${venv} && ${venvPython(settings.dataDir, platform)} -m pip install torch${indexArg}` +
      '   (the worker uses this environment automatically; `xeenet-worker start` creates it itself where the index is reachable)',
  );
  fixes.push('or point XEENET_PYTHON at an interpreter that can `import torch`: XEENET_PYTHON=/path/to/python3 xeenet-worker start ...');
  if (platform === 'linux' && isDebianLike(options.os)) {
    fixes.push('if `python3 -m venv` fails with "ensurepip is not available": apt-get install -y python3-venv');
  }
  return fixes;
}

async function createVenvWithTorch(
  basePython: string,
  options: DiscoverOptions,
  variant: string,
  index: { url: string | null; label: string },
  attempts: Attempt[],
): Promise<boolean> {
  const { settings, log } = options;
  const dir = path.join(settings.dataDir, VENV_DIR);
  const python = venvPython(settings.dataDir, options.platform);
  if (!(await isExecutable(python))) {
    log.info('creating a private Python environment for PyTorch', { dir, basePython });
    const created = await run(basePython, ['-m', 'venv', dir], {
      timeoutMs: 300_000,
      env: { PATH: settings.path, HOME: settings.userHome },
      signal: options.signal,
    });
    if (created.code !== 0) {
      const detail = (created.stderr || created.stdout).trim().split('\n').slice(-2).join(' ');
      attempts.push({ step: 'create venv', executable: basePython, ok: false, detail: `${basePython} -m venv failed: ${detail}` });
      await rm(dir, { recursive: true, force: true });
      return false;
    }
  }
  log.info('installing PyTorch with pip (this can take several minutes)', { variant, index: index.label });
  const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', 'torch'];
  if (index.url) args.push('--index-url', index.url);
  const installed = await run(python, args, {
    timeoutMs: 60 * 60_000,
    env: { PATH: settings.path, HOME: settings.userHome, ...(settings.pipIndexUrl ? { PIP_INDEX_URL: settings.pipIndexUrl } : {}) },
    maxBuffer: 64 * 1024 * 1024,
    signal: options.signal,
  });
  if (installed.code !== 0) {
    const detail = (installed.stderr || installed.stdout).trim().split('\n').slice(-3).join(' ');
    attempts.push({ step: 'pip install torch', executable: python, ok: false, detail });
    return false;
  }
  return true;
}

async function aptCandidate(pathEnv: string, signal?: AbortSignal): Promise<string | null> {
  const policy = await run('apt-cache', ['policy', 'python3-torch'], { timeoutMs: 60_000, env: { PATH: pathEnv, LANG: 'C' }, signal });
  const candidate = /Candidate:\s*(\S+)/.exec(policy.stdout)?.[1];
  return candidate && candidate !== '(none)' ? candidate : null;
}

async function aptInstallTorch(options: DiscoverOptions, attempts: Attempt[]): Promise<boolean> {
  const { settings, log } = options;
  const env = { PATH: settings.path, DEBIAN_FRONTEND: 'noninteractive', LANG: 'C' };
  const signal = options.signal;
  let candidate = await aptCandidate(settings.path, signal);
  if (!candidate && !signal?.aborted) {
    log.info('refreshing the apt package lists (apt-get update)');
    await run('apt-get', ['update', '-q'], { timeoutMs: 600_000, env, signal });
    candidate = await aptCandidate(settings.path, signal);
  }
  if (!candidate) {
    attempts.push({ step: 'apt-get', ok: false, detail: 'python3-torch is not in this release’s repositories (Debian 12+ and Ubuntu 24.04+ have it)' });
    return false;
  }
  log.info('installing PyTorch from the distribution (apt-get install python3-torch libopenblas0-pthread)', { version: candidate });
  const installed = await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'python3-torch', 'libopenblas0-pthread'], {
    timeoutMs: 60 * 60_000,
    env,
    maxBuffer: 64 * 1024 * 1024,
    signal,
  });
  if (installed.code !== 0) {
    attempts.push({ step: 'apt-get', ok: false, detail: (installed.stderr || installed.stdout).trim().split('\n').slice(-2).join(' ') });
    return false;
  }
  return true;
}

export async function discoverPython(options: DiscoverOptions): Promise<Discovery> {
  const { settings, log } = options;
  const platform = options.platform ?? process.platform;
  const attempts: Attempt[] = [];
  const seen = new Set<string>();
  let basePython: string | null = null;

  const stopped = () => options.signal?.aborted === true;
  const tryCandidate = async (executable: string, source: PythonSource, step: string): Promise<PythonRuntime | null> => {
    if (stopped()) return null;
    let real: string;
    try {
      real = await realpath(executable);
    } catch {
      attempts.push({ step, executable, ok: false, detail: `${executable} does not exist` });
      return null;
    }
    if (seen.has(real)) return null;
    seen.add(real);
    const { result, userBase } = await probeCandidate(executable, settings, options.signal);
    if (result.info && !basePython && /^3\.(9|[1-9][0-9])/.test(result.info.python)) basePython = executable;
    if (result.ok) {
      const runtime = runtimeFrom(result.info, executable, source, userBase, result.ms);
      attempts.push({ step, executable, ok: true, detail: `Python ${runtime.pythonVersion}, torch ${runtime.torchVersion} (${runtime.device})` });
      return runtime;
    }
    const detail = result.info ? `Python ${result.info.python}: ${result.error}` : result.error;
    attempts.push({ step, executable, ok: false, detail });
    log.debug('no usable PyTorch here', { step, executable, detail, ms: result.ms });
    return null;
  };
  const done = (runtime: PythonRuntime | null): Discovery => ({
    runtime,
    attempts,
    fixes: runtime ? [] : fixesFor({ settings, os: options.os, nvidia: options.nvidia, platform, basePython }),
  });

  // 1. An explicit choice is used or refused, never replaced behind the user's back.
  if (settings.python) {
    const runtime = await tryCandidate(settings.python, 'XEENET_PYTHON', 'XEENET_PYTHON');
    if (runtime) return done(runtime);
    return {
      runtime: null,
      attempts,
      fixes: [
        `install PyTorch for that interpreter: ${settings.python} -m pip install torch`,
        'or unset XEENET_PYTHON to let the worker find or provision a Python with PyTorch',
      ],
    };
  }

  // 2. The usual interpreters.
  const onPath = await which('python3', settings.path);
  if (onPath) {
    const runtime = await tryCandidate(onPath, 'PATH', 'python3 on PATH');
    if (runtime) return done(runtime);
  } else {
    attempts.push({ step: 'python3 on PATH', ok: false, detail: 'no python3 on PATH' });
  }
  for (const system of options.systemPythons ?? ['/usr/bin/python3']) {
    const runtime = await tryCandidate(system, 'system', system);
    if (runtime) return done(runtime);
  }

  // 3. The private virtual environment: reuse it, or create it where an index answers.
  const venv = venvPython(settings.dataDir, platform);
  if (await isExecutable(venv)) {
    const runtime = await tryCandidate(venv, 'venv', 'private venv');
    if (runtime) return done(runtime);
  }
  if (options.provision && !stopped()) {
    const variant = torchVariant(options.nvidia.cudaVersion, platform);
    const index = torchIndex(settings, variant);
    const reachable = await indexReachable(index.url, options.indexTimeoutMs ?? 4000, options.signal);
    if (!reachable.ok) {
      attempts.push({ step: 'pip (private venv)', ok: false, detail: `skipped: ${reachable.detail}` });
    } else if (!basePython) {
      attempts.push({ step: 'pip (private venv)', ok: false, detail: 'skipped: no Python 3.9+ to create the environment with' });
    } else if (await createVenvWithTorch(basePython, options, variant, index, attempts)) {
      seen.delete(await realpath(venv).catch(() => venv));
      const runtime = await tryCandidate(venv, 'venv', 'private venv (new)');
      if (runtime) return done(runtime);
    }

    // 4. The distribution's PyTorch, on Debian and Ubuntu, as root.
    if (platform === 'linux' && isDebianLike(options.os) && !stopped()) {
      if (!settings.isRoot) {
        attempts.push({ step: 'apt-get', ok: false, detail: 'skipped: installing python3-torch needs root' });
      } else if (!(await which('apt-get', settings.path))) {
        attempts.push({ step: 'apt-get', ok: false, detail: 'skipped: apt-get is not on PATH' });
      } else if (await aptInstallTorch(options, attempts)) {
        seen.clear();
        const runtime = await tryCandidate('/usr/bin/python3', 'apt', 'apt-get install python3-torch');
        if (runtime) return done(runtime);
      }
    }
  }
  return done(null);
}

/** A one-line summary of the attempts, for logs. */
export function describeAttempts(attempts: Attempt[]): string {
  return attempts.map((attempt) => `${attempt.step}${attempt.executable ? ` (${attempt.executable})` : ''}: ${attempt.detail}`).join('; ');
}
