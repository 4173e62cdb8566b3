// `xeenet-worker doctor | start`: usage, argument parsing and checking; start-up is in start.ts.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseServer, ServerUrlError } from './api/server.ts';
import { formatDoctor, runDoctor } from './doctor.ts';
import { createLogger } from './log.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, loadSettings, type Settings, SettingsError } from './settings.ts';
import { checkUpdate, parseHours, PreferenceError, type Preferences, SCRIPT_KINDS, type ScriptKind } from './preferences/preferences.ts';
import { start, type StartOptions } from './start.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const USAGE = `xeenet-worker ${VERSION}: donate this machine's CPU/GPU to XeeNet ML research

Usage:
  xeenet-worker doctor [--server URL] [--json]
  xeenet-worker start --server URL [--token T] [--slots N] [--name NAME] [options]

Commands:
  doctor   Show what the worker found (Python, PyTorch, device, CPU, RAM, GPU) and how to fix
           what is missing. Exits non-zero when PyTorch is missing.
  start    Register on first use (the machine's token is kept in the config folder), then lease
           and run tasks until stopped. Ctrl-C once: finish running tasks, then exit; twice:
           kill them, give their leases back, exit.

Start options:
  --server URL      The XeeNet API, e.g. http://localhost:4000 (env XEENET_SERVER)
  --token T         Register under this account's token instead of a new volunteer account
                    (env XEENET_TOKEN)
  --slots N         Tasks to run at once (default 1; CPU threads are split between slots)
  --name NAME       The name shown on the dashboard (default: the host name)
  --device D        Pass device D (cpu, cuda, mps) to the scripts instead of their auto choice
  --max-tasks N     Lease at most N tasks, then finish them and exit
  --prefetch-lead S Lease the next task S seconds before the running one should end (default 5)
  --warm-lead S     Start the next task's interpreter (it imports torch) S seconds before the
                    running task's budget ends (default: 1.5 x the slowest of the last three
                    start-ups + 0.5 s, from 1 s to the prefetch lead); 0: only once it ended
  --allow-unsandboxed
                    Where no sandbox is available (no bubblewrap or user namespaces, macOS), run
                    training scripts anyway, with this user's rights, network and files
  --memory-limit MB Memory a task may use (RLIMIT_DATA; default 3/4 of the RAM shared by the slots)
  --max-processes N Processes and threads a task may have (RLIMIT_NPROC; default 256 or 8 per core)
  --max-file-size MB
                    The largest file a task may write (RLIMIT_FSIZE; default 2048)
  --tmp-size MB     Size of a sandboxed task's private /tmp and /dev/shm (default 512)
  --no-install      Never create a virtual environment or run apt-get to get PyTorch
  --reregister      Register this machine again (after its token was revoked, or to trust
                    a signing key the server's operator rotated on purpose)
  --simulate        Demo/test mode: no Python, fake results marked SIMULATED end to end, excluded
                    from bests and leaderboards, earning nothing. Only campaigns created with
                    allowSimulated hand out tasks to a simulating worker.

Volunteer preferences (also in <config folder>/preferences.json and on the local page;
a flag wins over the file, a change on the page applies at once and is saved to the file):
  --hours FROM-TO   Run only between these local times, e.g. 22:00-07:00 (may cross midnight)
  --idle-only       Run only when the machine is idle: no keyboard/mouse/terminal input and other
                    processes below --idle-max-load for --idle-minutes (default 5)
  --idle-minutes N, --idle-max-load F
                    The idle period, and the share of all cores (0-1, default 0.25) others may use
  --run-on-battery  Do not pause on battery power (the default pauses)
  --cpu-threads N   At most N CPU threads per task (passed to scripts as num_threads)
  --no-gpu          Never use the GPU (scripts get device=cpu)
  --daily-tasks N   At most N tasks per local day; --daily-hours H: at most H hours of task time
  --accept-scripts K
                    Comma-separated kinds of scripts to run: builtin, reviewed, own (default all)
  --page-port N     The local status page's port on 127.0.0.1 (default 7878, env
                    XEENET_PAGE_PORT); 0: no page

Common options:
  --home DIR        Keep config, cache, data and state under DIR (env XEENET_WORKER_HOME)
  --config-dir DIR  Where the token is kept (default $XDG_CONFIG_HOME/xeenet or ~/.config/xeenet)
  --cache-dir DIR   Where artifacts are cached (default $XDG_CACHE_HOME/xeenet or ~/.cache/xeenet)
  --log-format F    auto (status lines on a terminal, else JSON), json or pretty (env XEENET_LOG_FORMAT)
  --log-level L     debug, info, warn or error (env XEENET_LOG_LEVEL)
  --help, --version

Sandbox: on Linux every training script runs in bubblewrap (bwrap): no network, read-only system
folders, only its own folder writable, resource limits; \`doctor\` says whether it works here.

Environment: XEENET_PYTHON picks the interpreter (it must import torch); XEENET_BWRAP the bwrap.`;

const OPTIONS = {
  hours: { type: 'string' },
  'idle-only': { type: 'boolean' },
  'idle-minutes': { type: 'string' },
  'idle-max-load': { type: 'string' },
  'run-on-battery': { type: 'boolean' },
  'cpu-threads': { type: 'string' },
  'no-gpu': { type: 'boolean' },
  'daily-tasks': { type: 'string' },
  'daily-hours': { type: 'string' },
  'accept-scripts': { type: 'string' },
  'page-port': { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
  slots: { type: 'string' },
  name: { type: 'string' },
  device: { type: 'string' },
  'max-tasks': { type: 'string' },
  'no-install': { type: 'boolean' },
  reregister: { type: 'boolean' },
  simulate: { type: 'boolean' },
  json: { type: 'boolean' },
  home: { type: 'string' },
  'config-dir': { type: 'string' },
  'cache-dir': { type: 'string' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  'prefetch-lead': { type: 'string' },
  'warm-lead': { type: 'string' },
  'allow-unsandboxed': { type: 'boolean' },
  'memory-limit': { type: 'string' },
  'max-processes': { type: 'string' },
  'max-file-size': { type: 'string' },
  'tmp-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number | null, max = 1024): number | null {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max} (got ${JSON.stringify(value)})`);
  return parsed;
}

function seconds(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 3600)) throw new UsageError(`--${name} must be 0 to 3600 seconds`);
  return parsed;
}

function choiceOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

const COMMAND_OPTIONS: Record<string, readonly string[]> = {
  doctor: ['server', 'json'],
  start: [
    'server',
    'token',
    'slots',
    'name',
    'device',
    'max-tasks',
    'no-install',
    'reregister',
    'simulate',
    'prefetch-lead',
    'warm-lead',
    'allow-unsandboxed',
    'memory-limit',
    'max-processes',
    'max-file-size',
    'tmp-size',
    'hours',
    'idle-only',
    'idle-minutes',
    'idle-max-load',
    'run-on-battery',
    'cpu-threads',
    'no-gpu',
    'daily-tasks',
    'daily-hours',
    'accept-scripts',
    'page-port',
  ],
};
const COMMON = ['home', 'config-dir', 'cache-dir', 'log-format', 'log-level', 'help', 'version'];

export async function main(argv: string[]): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    console.error(`xeenet-worker: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.version) {
    console.log(VERSION);
    return 0;
  }
  const command = positionals[0];
  if (values.help || !command || command === 'help') {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  try {
    if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
    const allowed = COMMAND_OPTIONS[command];
    if (!allowed) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    for (const key of Object.keys(values)) {
      if (!allowed.includes(key) && !COMMON.includes(key)) throw new UsageError(`--${key} does not apply to ${command}`);
    }
    const settings = loadSettings(process.env, {
      home: values.home,
      configDir: values['config-dir'],
      cacheDir: values['cache-dir'],
      logFormat: choiceOf<LogFormat>('log-format', values['log-format'], LOG_FORMATS),
      logLevel: choiceOf<LogLevel>('log-level', values['log-level'], LOG_LEVELS),
    });
    if (command === 'doctor') return await doctor(values, settings);
    return await start(startOptions(values, settings), settings);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ServerUrlError) {
      console.error(`xeenet-worker: ${error.message}\n(run \`xeenet-worker --help\` for usage)`);
      return 2;
    }
    if (error instanceof SettingsError || error instanceof PreferenceError) {
      console.error(`xeenet-worker: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

async function doctor(values: Values, settings: Settings): Promise<number> {
  const server = values.server ?? settings.server;
  const urls = server ? parseServer(server) : null;
  const log = createLogger({ format: 'json', level: 'error', sink: (line) => process.stderr.write(`${line}\n`) });
  const report = await runDoctor({ settings, log, server: urls });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(formatDoctor(report));
  return report.ok ? 0 : 1;
}

/** The start command's options, checked (a UsageError names the bad one). */
function startOptions(values: Values, settings: Settings): StartOptions {
  const server = values.server ?? settings.server;
  if (!server) throw new UsageError('start needs --server URL (or XEENET_SERVER)');
  return {
    urls: parseServer(server),
    simulate: values.simulate ?? false,
    slots: positiveInt('slots', values.slots, 1, 64)!,
    maxTasks: positiveInt('max-tasks', values['max-tasks'], null, 1_000_000),
    prefetchLeadS: seconds('prefetch-lead', values['prefetch-lead']),
    warmLeadS: seconds('warm-lead', values['warm-lead']),
    allowUnsandboxed: values['allow-unsandboxed'] ?? false,
    limits: {
      memoryMb: positiveInt('memory-limit', values['memory-limit'], null, 16 * 1024 * 1024) ?? undefined,
      processes: positiveInt('max-processes', values['max-processes'], null, 1_000_000) ?? undefined,
      fileSizeMb: positiveInt('max-file-size', values['max-file-size'], null, 16 * 1024 * 1024) ?? undefined,
      tmpMb: positiveInt('tmp-size', values['tmp-size'], null, 1024 * 1024) ?? undefined,
    },
    device: choiceOf('device', values.device, ['cpu', 'cuda', 'mps'] as const) ?? null,
    name: (values.name ?? os.hostname()).trim().slice(0, 200) || 'xeenet-worker',
    accountToken: values.token ?? settings.token,
    noInstall: values['no-install'] ?? false,
    reregister: values.reregister ?? false,
    preferences: preferenceFlags(values),
    pagePort: values['page-port'] === undefined ? settings.pagePort : port(values['page-port']),
  };
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new UsageError(`--page-port must be 0 (no page) or a port from 1 to 65535 (got ${JSON.stringify(value)})`);
  return parsed;
}

/** The preferences given as flags (only those given: the config file fills in the rest). */
function preferenceFlags(values: Values): Partial<Preferences> {
  const flags: Partial<Preferences> = {};
  if (values.hours !== undefined) {
    try {
      flags.hours = parseHours(values.hours);
    } catch (error) {
      throw new UsageError(`--${(error as Error).message}`);
    }
  }
  if (values['idle-only']) flags.idleOnly = true;
  if (values['idle-minutes'] !== undefined) flags.idleMinutes = positiveInt('idle-minutes', values['idle-minutes'], null, 240)!;
  if (values['idle-max-load'] !== undefined) {
    const share = Number(values['idle-max-load']);
    if (!(share >= 0 && share <= 1)) throw new UsageError('--idle-max-load must be a share of all cores from 0 to 1');
    flags.idleMaxOtherLoad = share;
  }
  if (values['run-on-battery']) flags.pauseOnBattery = false;
  if (values['cpu-threads'] !== undefined) flags.cpuThreads = positiveInt('cpu-threads', values['cpu-threads'], null, 4096);
  if (values['no-gpu']) flags.gpu = false;
  if (values['daily-tasks'] !== undefined) flags.dailyTaskCap = positiveInt('daily-tasks', values['daily-tasks'], null, 1_000_000);
  if (values['daily-hours'] !== undefined) {
    const hours = Number(values['daily-hours']);
    if (!(hours > 0 && hours <= 24)) throw new UsageError('--daily-hours must be a number of hours above 0 and at most 24');
    flags.dailyHoursCap = hours;
  }
  if (values['accept-scripts'] !== undefined) {
    const kinds = values['accept-scripts'].split(',').map((kind) => kind.trim()).filter(Boolean);
    const unknown = kinds.filter((kind) => !(SCRIPT_KINDS as readonly string[]).includes(kind));
    if (unknown.length || !kinds.length) throw new UsageError(`--accept-scripts takes a comma-separated list of ${SCRIPT_KINDS.join(', ')}`);
    flags.acceptScripts = kinds as ScriptKind[];
  }
  return checkUpdate(flags);
}
