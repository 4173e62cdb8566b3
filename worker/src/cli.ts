// `xeenet-worker doctor | start`: argument parsing, start-up (lock, PyTorch, registration) and signals.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { TransportError } from './api/client.ts';
import { type HardwareInput, RegistrationRefusedError, registerWorker } from './api/register.ts';
import { parseServer, ServerUrlError, type ServerUrls } from './api/server.ts';
import { type Credential, CredentialStore, fingerprint, type Mode } from './credentials.ts';
import { formatDoctor, runDoctor } from './doctor.ts';
import { SIMULATED_NOTE, shareableDirs } from './execution.ts';
import { detectMachine, type MachineInfo } from './hardware.ts';
import { acquireLock, type Lock, LockedError } from './lock.ts';
import { createLogger, type Logger } from './log.ts';
import { describeAttempts, discoverPython, type PythonRuntime } from './python/discover.ts';
import { checkSandbox, type SandboxHost } from './sandbox/host.ts';
import { describeLimits, resourceLimits } from './sandbox/limits.ts';
import { type SandboxStatus, startupDecision } from './sandbox/policy.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, loadSettings, privateDirs, type Settings, SettingsError } from './settings.ts';
import { StatusBoard } from './status-board.ts';
import { backoffDelay, sleep } from './util/backoff.ts';
import { ensurePrivateDir } from './util/fs.ts';
import { Worker, type WorkerExit } from './worker.ts';

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
  --reregister      Register this machine again (e.g. after its token was revoked)
  --simulate        Demo/test mode: no Python, fake results marked SIMULATED end to end, excluded
                    from bests and leaderboards, earning nothing. Only campaigns created with
                    allowSimulated hand out tasks to a simulating worker.

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
    return await start(values, settings);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ServerUrlError) {
      console.error(`xeenet-worker: ${error.message}\n(run \`xeenet-worker --help\` for usage)`);
      return 2;
    }
    if (error instanceof SettingsError) {
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

function hardwareInput(machine: MachineInfo, runtime: PythonRuntime | null, simulate: boolean): HardwareInput {
  const gpu = machine.nvidia.gpus[0];
  return {
    cpu: machine.cpu.slice(0, 200),
    cores: machine.cores,
    ramMb: machine.ramMb,
    gpu: (runtime?.gpuName ?? gpu?.name ?? null)?.slice(0, 200) ?? null,
    gpuMemoryMb: runtime?.gpuMemoryMb ?? gpu?.memoryMb ?? null,
    torchVersion: runtime?.torchVersion ?? null,
    pythonVersion: runtime?.pythonVersion ?? null,
    device: simulate ? 'simulated' : (runtime?.device ?? null),
    platform: machine.platform.slice(0, 100),
  };
}

interface RegistrationRequest {
  store: CredentialStore;
  urls: ServerUrls;
  mode: Mode;
  name: string;
  slots: number;
  accountToken: string | null;
  hardware: HardwareInput;
  reregister: boolean;
  log: Logger;
  signal: AbortSignal;
}

/** The stored token for this server, or a new registration (retried until the server answers). */
async function ensureRegistered(request: RegistrationRequest): Promise<Credential | null> {
  const { store, urls, mode, log } = request;
  const existing = await store.get(urls.base, mode);
  const accountSha = request.accountToken ? fingerprint(request.accountToken) : null;
  if (existing && !request.reregister && (!accountSha || existing.accountTokenSha256 === accountSha)) {
    log.info('using this machine’s stored token', { server: urls.base, workerId: existing.workerId, name: existing.name, file: store.file });
    return existing;
  }
  if (existing && accountSha && existing.accountTokenSha256 !== accountSha) {
    log.info('--token names another account than the one this machine registered with; registering again');
  }
  for (let attempt = 0; !request.signal.aborted; attempt++) {
    try {
      const registered = await registerWorker(
        urls,
        { name: request.name, hardware: request.hardware, simulated: mode === 'simulated', slots: request.slots },
        request.accountToken,
        request.signal,
      );
      const credential: Credential = {
        token: registered.token,
        workerId: registered.workerId,
        name: registered.name,
        registeredAt: new Date().toISOString(),
        slots: request.slots,
        accountTokenSha256: accountSha,
      };
      await store.set(urls.base, mode, credential);
      log.info('registered this machine', { server: urls.base, workerId: registered.workerId, name: registered.name, file: store.file });
      return credential;
    } catch (error) {
      if (request.signal.aborted) return null;
      if (!(error instanceof TransportError)) throw error;
      const delay = backoffDelay(attempt, 1000, 30_000);
      log.warn('cannot register yet; retrying', { error: error.message, retryInMs: delay });
      await sleep(delay, request.signal);
    }
  }
  return null;
}

function refusal(runtimeAttempts: string[], fixes: string[]): string {
  return [
    'xeenet-worker: PyTorch was not found, so no real task can be run.',
    'Tried:',
    ...runtimeAttempts.map((line) => `  ${line}`),
    'Fix (any one of):',
    ...fixes.map((fix, index) => `  ${index + 1}. ${fix}`),
    'Then run `xeenet-worker doctor` to check. (`--simulate` runs a demo with fake results that earn nothing.)',
  ].join('\n');
}

async function start(values: Values, settings: Settings): Promise<number> {
  const server = values.server ?? settings.server;
  if (!server) throw new UsageError('start needs --server URL (or XEENET_SERVER)');
  const urls = parseServer(server);
  const simulate = values.simulate ?? false;
  const slots = positiveInt('slots', values.slots, 1, 64)!;
  const maxTasks = positiveInt('max-tasks', values['max-tasks'], null, 1_000_000);
  const prefetchLeadS = seconds('prefetch-lead', values['prefetch-lead']);
  const warmLeadS = seconds('warm-lead', values['warm-lead']);
  const allowUnsandboxed = values['allow-unsandboxed'] ?? false;
  const limitOverrides = {
    memoryMb: positiveInt('memory-limit', values['memory-limit'], null, 16 * 1024 * 1024) ?? undefined,
    processes: positiveInt('max-processes', values['max-processes'], null, 1_000_000) ?? undefined,
    fileSizeMb: positiveInt('max-file-size', values['max-file-size'], null, 16 * 1024 * 1024) ?? undefined,
    tmpMb: positiveInt('tmp-size', values['tmp-size'], null, 1024 * 1024) ?? undefined,
  };
  const device = choiceOf('device', values.device, ['cpu', 'cuda', 'mps'] as const) ?? null;
  const name = (values.name ?? os.hostname()).trim().slice(0, 200) || 'xeenet-worker';
  const accountToken = values.token ?? settings.token;

  const tty = Boolean(process.stdout.isTTY);
  const format = settings.logFormat === 'auto' ? (tty ? 'pretty' : 'json') : settings.logFormat;
  const color = tty && !settings.noColor;
  const board = format === 'pretty' && tty ? new StatusBoard(process.stdout, slots, { simulated: simulate, color }) : null;
  const log = createLogger(
    {
      format,
      level: settings.logLevel,
      color,
      sink: board ? (line) => board.print(line) : (line) => process.stdout.write(`${line}\n`),
    },
    // Every JSON line of a simulating worker says so, for whoever collects the logs.
    simulate && format === 'json' ? { simulated: true } : {},
  );

  const startup = new AbortController();
  let worker: Worker | null = null;
  let signals = 0;
  let lastSignal: NodeJS.Signals = 'SIGTERM';
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    lastSignal = signal;
    if (worker) {
      worker.stop(signals > 1);
      return;
    }
    log.info('stopping before the worker started', { signal });
    startup.abort();
    if (signals > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => {
    const handler = () => onSignal(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });

  let lock: Lock | null = null;
  try {
    try {
      lock = await acquireLock(settings.stateDir);
    } catch (error) {
      if (error instanceof LockedError) {
        console.error(`xeenet-worker: ${error.message}`);
        return 1;
      }
      throw error;
    }
    if (simulate) {
      const banner = `SIMULATED MODE: ${SIMULATED_NOTE}. Results are marked simulated end to end, excluded from bests and leaderboards, and earn nothing; only campaigns with allowSimulated give this worker tasks.`;
      if (tty) process.stderr.write(`${color ? '\x1b[1;33m' : ''}*** ${banner} ***${color ? '\x1b[0m' : ''}\n`);
      log.warn(banner, { simulated: true });
    }
    // A stop during start-up kills what it is waiting for (probes, pip, apt-get) and exits.
    const machine = await detectMachine(settings.path, startup.signal);
    let runtime: PythonRuntime | null = null;
    if (!simulate && !startup.signal.aborted) {
      log.info('looking for Python with PyTorch');
      const discovery = await discoverPython({
        settings,
        log,
        provision: !values['no-install'],
        nvidia: machine.nvidia,
        os: machine.os,
        signal: startup.signal,
      });
      if (startup.signal.aborted) return signalExit(lastSignal);
      if (!discovery.runtime) {
        const tried = discovery.attempts.map((a) => `✗ ${a.step}${a.executable && a.executable !== a.step ? ` (${a.executable})` : ''}: ${a.detail}`);
        log.error('PyTorch was not found; refusing to run tasks', { tried: describeAttempts(discovery.attempts), fixes: discovery.fixes });
        console.error(refusal(tried, discovery.fixes));
        return 1;
      }
      runtime = discovery.runtime;
      log.info('using Python with PyTorch', {
        python: runtime.executable,
        source: runtime.source,
        pythonVersion: runtime.pythonVersion,
        torch: runtime.torchVersion,
        device: runtime.device,
        probeMs: runtime.probeMs,
      });
    }
    if (startup.signal.aborted) return signalExit(lastSignal);
    let sandbox: SandboxHost | null = null;
    let sandboxStatus: SandboxStatus = { available: false, reason: 'simulating: no script runs', fix: null };
    if (runtime) {
      const check = await checkSandbox({
        bwrap: settings.bwrap,
        pathEnv: settings.path,
        python: runtime.interpreter,
        interpreterDirs: shareableDirs(runtime.dirs, privateDirs(settings)),
        signal: startup.signal,
      });
      sandboxStatus = check.status;
      const decision = startupDecision({ sandbox: check.status, allowUnsandboxed, simulate });
      if (!decision.start) {
        log.error('no sandbox: refusing to run training scripts', { reason: sandboxStatus.available ? null : sandboxStatus.reason });
        console.error(`xeenet-worker: ${decision.message}`);
        return 1;
      }
      if (decision.warning) {
        log.warn(decision.warning);
        if (tty) process.stderr.write(`${color ? '\x1b[1;31m' : ''}*** ${decision.warning} ***${color ? '\x1b[0m' : ''}\n`);
      }
      if (decision.sandboxed) sandbox = check.host;
      log.info(sandbox ? 'training scripts run in a bubblewrap sandbox' : 'training scripts run without a sandbox', {
        bwrap: sandbox?.bwrap,
        version: sandbox?.version,
        asRoot: sandbox?.asRoot,
        limits: describeLimits(resourceLimits(machine, slots, limitOverrides)),
      });
    }
    if (startup.signal.aborted) return signalExit(lastSignal);
    // The token lives here: keep the folder private even if it existed with looser permissions.
    await ensurePrivateDir(settings.configDir);
    const store = new CredentialStore(settings.configDir);
    const mode: Mode = simulate ? 'simulated' : 'real';
    const hardware = hardwareInput(machine, runtime, simulate);
    const credential = await ensureRegistered({
      store,
      urls,
      mode,
      name,
      slots,
      accountToken,
      hardware,
      reregister: values.reregister ?? false,
      log,
      signal: startup.signal,
    }).catch((error: unknown) => {
      if (error instanceof RegistrationRefusedError) {
        console.error(`xeenet-worker: ${error.message}`);
        return null;
      }
      throw error;
    });
    if (!credential) return startup.signal.aborted ? signalExit(lastSignal) : 1;

    worker = new Worker({
      urls,
      credential,
      settings,
      log,
      board,
      slots,
      simulate,
      runtime,
      cores: machine.cores,
      device,
      maxTasks,
      prefetchLeadS,
      warmLeadS,
      sandbox,
      sandboxStatus,
      allowUnsandboxed,
      limits: resourceLimits(machine, slots, limitOverrides),
      // Name, slots and hardware may have changed since the machine registered.
      profile: { name, slots, hardware },
      onProfileUpdated: (profile) => {
        if (profile.name === credential.name && profile.slots === credential.slots) return;
        store.set(urls.base, mode, { ...credential, name: profile.name, slots: profile.slots }).catch((error: unknown) => {
          log.warn('cannot record the updated name and slots in the credentials file', { error });
        });
      },
    });
    if (signals > 0) worker.stop(signals > 1);
    board?.start();
    const exit: WorkerExit = await worker.run();
    board?.stop();
    if (exit === 'cannot-run') {
      console.error(`xeenet-worker: ${worker.fatalError?.message ?? 'this machine cannot run tasks'}. Run \`xeenet-worker doctor\` to see why.`);
      return 1;
    }
    if (exit === 'token-rejected') {
      console.error(
        `xeenet-worker: the server does not accept this machine's token (revoked, or the server's database was reset).\n` +
          `Register again with: xeenet-worker start --server ${urls.base} --reregister`,
      );
      return 1;
    }
    log.info('worker stopped', { exit, completed: worker.completed, failed: worker.failed });
    return exit === 'aborted' ? signalExit(lastSignal) : 0;
  } finally {
    board?.stop();
    await lock?.release();
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

function signalExit(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
}
