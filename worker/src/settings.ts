// The one place that reads process.env: parsed once into Settings, which everything else receives.
import os from 'node:os';
import path from 'node:path';

export type LogFormat = 'auto' | 'json' | 'pretty';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Settings {
  /** Where the worker keeps its token per server (credentials.json, mode 0600). */
  configDir: string;
  /** Downloaded artifacts, by SHA-256 (safe to delete). */
  cacheDir: string;
  /** The private Python virtual environment, when the worker had to provision one. */
  dataDir: string;
  /** Undelivered results (spool), task working folders and the single-instance lock. */
  stateDir: string;
  /** The user's real home folder (training subprocesses get their own). */
  userHome: string;
  /** XEENET_PYTHON: the interpreter to use; it must import torch. */
  python: string | null;
  /** XEENET_BWRAP: the bubblewrap executable (default: bwrap on PATH, then /usr/bin/bwrap). */
  bwrap: string | null;
  /** XEENET_SERVER / XEENET_TOKEN: defaults for --server / --token. */
  server: string | null;
  token: string | null;
  logFormat: LogFormat;
  logLevel: LogLevel;
  /** PIP_INDEX_URL: a package index the user configured (used instead of the PyTorch index). */
  pipIndexUrl: string | null;
  /** Where CPU and CUDA builds of PyTorch come from (XEENET_TORCH_INDEX_URL). */
  torchIndexUrl: string;
  /** The worker's PATH, searched for python3, nvidia-smi and apt-get. */
  path: string;
  /** Variables passed through to training subprocesses; everything else is dropped. */
  passthroughEnv: Record<string, string>;
  isRoot: boolean;
  /** True when NO_COLOR is set: the status line uses no colours. */
  noColor: boolean;
  /**
   * Arm PR_SET_PDEATHSIG in each task's guard (Linux). XEENET_TEST_NO_PDEATHSIG=1 turns it off so
   * tests can prove the parent-pid watchdog (what macOS relies on) alone leaves no orphans.
   */
  parentDeathSignal: boolean;
  /** XEENET_PAGE_PORT: the local status page's port on 127.0.0.1 (default 7878; 0: no page). */
  pagePort: number;
}

export interface SettingsOverrides {
  home?: string;
  configDir?: string;
  cacheDir?: string;
  logFormat?: LogFormat;
  logLevel?: LogLevel;
}

/**
 * Variables a training subprocess may see. Nothing secret: locale, library search paths, and the
 * GPU selection the user made. Tokens and every XEENET_* variable stay in the worker.
 */
export const PASSTHROUGH_VARIABLES = [
  'PATH',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'LD_LIBRARY_PATH',
  'PYTHONPATH',
  'CUDA_VISIBLE_DEVICES',
  'CUDA_HOME',
  'HIP_VISIBLE_DEVICES',
  'ROCR_VISIBLE_DEVICES',
  'NVIDIA_VISIBLE_DEVICES',
] as const;

const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export class SettingsError extends Error {}

function nonEmpty(value: string | undefined): string | null {
  return value !== undefined && value.trim() !== '' ? value : null;
}

function choice<T extends string>(name: string, value: string | null, allowed: readonly T[], fallback: T): T {
  if (value === null) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new SettingsError(`${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

export const DEFAULT_PAGE_PORT = 7878;

function pagePort(value: string | null): number {
  if (value === null) return DEFAULT_PAGE_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SettingsError(`XEENET_PAGE_PORT must be 0 (no page) or a port from 1 to 65535 (got ${JSON.stringify(value)})`);
  return port;
}

/** Reads the environment once. Folders follow the XDG base directory spec unless overridden. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, overrides: SettingsOverrides = {}): Settings {
  const userHome = nonEmpty(env.HOME) ?? os.homedir();
  const workerHome = overrides.home ?? nonEmpty(env.XEENET_WORKER_HOME);
  const xdg = (variable: string, fallback: string) => {
    const value = nonEmpty(env[variable]);
    return path.join(value && path.isAbsolute(value) ? value : path.join(userHome, fallback), 'xeenet');
  };
  const base = workerHome ? path.resolve(workerHome) : null;
  const configDir = path.resolve(overrides.configDir ?? (base ? path.join(base, 'config') : xdg('XDG_CONFIG_HOME', '.config')));
  const cacheDir = path.resolve(overrides.cacheDir ?? (base ? path.join(base, 'cache') : xdg('XDG_CACHE_HOME', '.cache')));
  const dataDir = base ? path.join(base, 'data') : xdg('XDG_DATA_HOME', '.local/share');
  const stateDir = base ? path.join(base, 'state') : xdg('XDG_STATE_HOME', '.local/state');

  const passthroughEnv: Record<string, string> = {};
  for (const name of PASSTHROUGH_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') passthroughEnv[name] = value;
  }

  return {
    configDir,
    cacheDir,
    dataDir,
    stateDir,
    userHome,
    python: nonEmpty(env.XEENET_PYTHON),
    bwrap: nonEmpty(env.XEENET_BWRAP),
    server: nonEmpty(env.XEENET_SERVER),
    token: nonEmpty(env.XEENET_TOKEN),
    logFormat: overrides.logFormat ?? choice('XEENET_LOG_FORMAT', nonEmpty(env.XEENET_LOG_FORMAT), LOG_FORMATS, 'auto'),
    logLevel: overrides.logLevel ?? choice('XEENET_LOG_LEVEL', nonEmpty(env.XEENET_LOG_LEVEL), LOG_LEVELS, 'info'),
    pipIndexUrl: nonEmpty(env.PIP_INDEX_URL),
    torchIndexUrl: (nonEmpty(env.XEENET_TORCH_INDEX_URL) ?? 'https://download.pytorch.org/whl').replace(/\/+$/, ''),
    path: env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    passthroughEnv,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    noColor: nonEmpty(env.NO_COLOR) !== null,
    parentDeathSignal: nonEmpty(env.XEENET_TEST_NO_PDEATHSIG) !== '1',
    pagePort: pagePort(nonEmpty(env.XEENET_PAGE_PORT)),
  };
}

/** Folders no sandbox may show a task: the credentials, the spool and runs, the user's home. */
export function privateDirs(settings: Settings): string[] {
  return [settings.configDir, settings.stateDir, settings.userHome];
}

export { LOG_FORMATS, LOG_LEVELS };
