// What this machine offers a sandbox: bubblewrap (found, recent enough, and able to create its
// namespaces here), the layout of its system folders, and the GPU device nodes. `checkSandbox`
// runs a trivial command in a real sandbox, so "available" means it worked, not that a file exists.
import { spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../hardware.ts';
import { which } from '../python/discover.ts';
import { bwrapArgs, ETC_ENTRIES, ETC_PATTERN, type HostLayout, type RunFolders, SYNTHETIC_ETC, syntheticEtc, TASK_DIR } from './bwrap.ts';
import type { SandboxStatus } from './policy.ts';

const MIN_VERSION = [0, 8, 0] as const;
const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

export interface SandboxHost {
  bwrap: string;
  version: string;
  asRoot: boolean;
  layout: HostLayout;
}

export function readHostLayout(): HostLayout {
  const systemDirs: HostLayout['systemDirs'] = [];
  for (const dir of SYSTEM_DIRS) {
    try {
      const stat = lstatSync(dir);
      if (stat.isSymbolicLink()) systemDirs.push({ path: dir, symlinkTo: readlinkSync(dir) });
      else if (stat.isDirectory()) systemDirs.push({ path: dir, symlinkTo: null });
    } catch {
      // not on this system
    }
  }
  let etcNames: string[] = [];
  try {
    etcNames = readdirSync('/etc');
  } catch {
    // no /etc to speak of
  }
  const etc = etcNames.filter((name) => (ETC_ENTRIES as readonly string[]).includes(name) || ETC_PATTERN.test(name)).sort();
  let gpuDevices: string[] = [];
  try {
    gpuDevices = readdirSync('/dev')
      .filter((name) => /^nvidia/.test(name))
      .map((name) => `/dev/${name}`)
      .sort();
  } catch {
    // no /dev listing
  }
  return { systemDirs, etc, gpuDevices };
}

export function versionAtLeast(version: string, minimum: readonly number[] = MIN_VERSION): boolean {
  const parts = (/(\d+)\.(\d+)(?:\.(\d+))?/.exec(version) ?? []).slice(1).map((part) => Number(part ?? 0));
  if (parts.length === 0) return false;
  for (let index = 0; index < minimum.length; index++) {
    const have = parts[index] ?? 0;
    if (have !== minimum[index]) return have > minimum[index]!;
  }
  return true;
}

/** The run folders of a throwaway sandbox (the check, the start-cost measurement). */
function scratchRun(uid: number, gid: number): { folders: RunFolders; remove(): void } {
  const base = mkdtempSync(path.join(os.tmpdir(), 'xeenet-sandbox-check-'));
  const folders: RunFolders = { work: path.join(base, 'work'), script: path.join(base, 'script'), data: path.join(base, 'data'), etc: path.join(base, 'etc') };
  for (const dir of Object.values(folders)) mkdirSync(dir, { recursive: true });
  const etc = syntheticEtc(uid, gid);
  for (const name of SYNTHETIC_ETC) writeFileSync(path.join(folders.etc, name), etc[name], { mode: 0o444 });
  return { folders, remove: () => rmSync(base, { recursive: true, force: true }) };
}

export interface CheckOptions {
  /** XEENET_BWRAP, or null to look on PATH (then /usr/bin/bwrap). */
  bwrap: string | null;
  pathEnv: string;
  /** The interpreter tasks will run (its sys.executable) and its folders outside /usr. */
  python: string;
  interpreterDirs?: string[];
  platform?: NodeJS.Platform;
  signal?: AbortSignal;
}

export type SandboxCheck = { status: SandboxStatus; host: SandboxHost | null };

const FIX_BWRAP = 'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)';

/** Finds bubblewrap and runs `python -c pass` inside a real sandbox built like a task's. */
export async function checkSandbox(options: CheckOptions): Promise<SandboxCheck> {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') {
    return { status: { available: false, reason: `there is no bubblewrap sandbox on ${platform === 'darwin' ? 'macOS' : platform}`, fix: null }, host: null };
  }
  const bwrap = options.bwrap ?? (await which('bwrap', options.pathEnv)) ?? (await which('bwrap', '/usr/bin:/bin'));
  if (!bwrap) return { status: { available: false, reason: 'bubblewrap (bwrap) is not installed', fix: FIX_BWRAP }, host: null };
  const versionRun = await run(bwrap, ['--version'], { timeoutMs: 10_000, env: { PATH: options.pathEnv }, signal: options.signal });
  if (versionRun.code !== 0) {
    const detail = (versionRun.stderr || versionRun.error?.message || 'no output').trim().split('\n')[0];
    return { status: { available: false, reason: `${bwrap} does not run: ${detail}`, fix: FIX_BWRAP }, host: null };
  }
  const version = versionRun.stdout.trim().replace(/^bubblewrap\s+/, '');
  if (!versionAtLeast(version)) {
    return {
      status: { available: false, reason: `bubblewrap ${version} is too old (${MIN_VERSION.join('.')} or newer is needed)`, fix: FIX_BWRAP },
      host: null,
    };
  }
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const host: SandboxHost = { bwrap, version, asRoot, layout: readHostLayout() };
  const trial = await sandboxedCommand(host, options.python, ['-S', '-c', 'pass'], options.signal, options.interpreterDirs);
  if (!trial.ok) {
    return {
      status: {
        available: false,
        reason: `a trial command failed in the sandbox: ${trial.detail}`,
        fix: asRoot ? null : 'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or an AppArmor profile for bwrap)',
      },
      host: null,
    };
  }
  return { status: { available: true, kind: 'bubblewrap', version, asRoot }, host };
}

/** Runs one command in a throwaway sandbox; ok when it exits 0. */
export async function sandboxedCommand(
  host: SandboxHost,
  python: string,
  args: string[],
  signal?: AbortSignal,
  interpreterDirs: string[] = [],
): Promise<{ ok: boolean; ms: number; detail: string }> {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const gid = typeof process.getgid === 'function' ? process.getgid() : 0;
  const scratch = scratchRun(uid, gid);
  try {
    const argv = bwrapArgs({
      host: host.layout,
      run: scratch.folders,
      interpreterDirs,
      gpu: false,
      tmpBytes: 16 * 1024 * 1024,
      asRoot: host.asRoot,
      env: { PATH: '/usr/bin:/bin', HOME: TASK_DIR },
      command: [python, ...args],
    });
    const started = performance.now();
    const result = await runQuiet(host.bwrap, argv, signal);
    const ms = performance.now() - started;
    const detail = (result.stderr || `exit ${result.code ?? result.signal}`).trim().split('\n').slice(-2).join(' | ');
    return { ok: result.code === 0, ms, detail };
  } finally {
    scratch.remove();
  }
}

/** Like hardware.run, with an empty environment and nothing inherited. */
function runQuiet(command: string, args: string[], signal?: AbortSignal): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: {}, stdio: ['ignore', 'ignore', 'pipe'], shell: false, signal });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => resolve({ code: null, signal: null, stderr: error.message }));
    child.once('close', (code, killed) => resolve({ code, signal: killed, stderr }));
  });
}

export interface StartCost {
  samples: number;
  plainMs: number;
  sandboxedMs: number;
  /** Median of the sandboxed starts minus the median of the plain ones, same interpreter, same run. */
  costMs: number;
}

/** Starts `python -S -c pass` plainly and in a sandbox, interleaved, and compares the medians. */
export async function measureStartCost(host: SandboxHost, python: string, samples: number, signal?: AbortSignal): Promise<StartCost> {
  const plain: number[] = [];
  const sandboxed: number[] = [];
  for (let index = 0; index < samples && !signal?.aborted; index++) {
    const started = performance.now();
    await runQuiet(python, ['-S', '-c', 'pass'], signal);
    plain.push(performance.now() - started);
    const trial = await sandboxedCommand(host, python, ['-S', '-c', 'pass'], signal);
    sandboxed.push(trial.ms);
  }
  const plainMs = median(plain);
  const sandboxedMs = median(sandboxed);
  return { samples: plain.length, plainMs: round(plainMs), sandboxedMs: round(sandboxedMs), costMs: round(sandboxedMs - plainMs) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
