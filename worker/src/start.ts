// `xeenet-worker start`: finding PyTorch, checking the sandbox, registering, then running the
// worker until it stops — and what each signal does meanwhile.
import { TransportError } from './api/client.ts';
import { type HardwareInput, RegistrationRefusedError, registerWorker } from './api/register.ts';
import { fetchAccountId, fetchSigningKey } from './api/signing-key.ts';
import type { ServerUrls } from './api/server.ts';
import { type Credential, CredentialStore, fingerprint, type Mode } from './credentials.ts';
import { shareableDirs } from './execution.ts';
import { detectMachine, type MachineInfo } from './hardware.ts';
import { acquireLock, type Lock, LockedError } from './lock.ts';
import { createLogger, type Logger } from './log.ts';
import { calibrate } from './python/calibrate.ts';
import { describeAttempts, discoverPython, type PythonRuntime } from './python/discover.ts';
import type { Speed } from './speed.ts';
import { checkSandbox, type SandboxHost } from './sandbox/host.ts';
import { describeLimits, type LimitOverrides, resourceLimits } from './sandbox/limits.ts';
import { type SandboxStatus, startupDecision } from './sandbox/policy.ts';
import { privateDirs, type Settings } from './settings.ts';
import { SIMULATED_NOTE } from './simulation.ts';
import { StatusModel, teeViews } from './page/model.ts';
import { PageServer } from './page/server.ts';
import { watchStanding } from './page/standing.ts';
import { RunGate } from './preferences/gate.ts';
import { PreferenceError, type Preferences } from './preferences/preferences.ts';
import { SignalSampler } from './preferences/signals.ts';
import { PreferenceStore } from './preferences/store.ts';
import { UsageStore } from './preferences/usage.ts';
import { StatusBoard } from './status-board.ts';
import { backoffDelay, sleep } from './util/backoff.ts';
import { ensurePrivateDir } from './util/fs.ts';
import { Worker, type WorkerExit } from './worker.ts';

export interface StartOptions {
  urls: ServerUrls;
  simulate: boolean;
  slots: number;
  maxTasks: number | null;
  prefetchLeadS: number | undefined;
  warmLeadS: number | undefined;
  allowUnsandboxed: boolean;
  limits: LimitOverrides;
  device: 'cpu' | 'cuda' | 'mps' | null;
  name: string;
  accountToken: string | null;
  noInstall: boolean;
  reregister: boolean;
  /** Preferences given as flags (they win over the config file). */
  preferences: Partial<Preferences>;
  /** The local page's port on 127.0.0.1; 0: no page. */
  pagePort: number;
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
        accountId: registered.accountId,
        // Pinned now: scripts signed with any other key are refused until the machine registers again.
        signingKey: registered.signingKey ? { ...registered.signingKey, pinnedAt: new Date().toISOString() } : null,
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

/**
 * The pinned signing key against the one the server publishes now. A credential from before
 * script signing pins the current key (and learns its account) on this start; a different key
 * than the pinned one is refused until the machine registers again on purpose.
 */
async function checkSigningKey(
  request: Pick<RegistrationRequest, 'store' | 'urls' | 'mode' | 'log' | 'signal'>,
  credential: Credential,
): Promise<{ credential: Credential } | { refused: string }> {
  const { store, urls, mode, log, signal } = request;
  const published = await fetchSigningKey(urls, signal);
  const pinned = credential.signingKey ?? null;
  if (pinned) {
    if (published && published.keyId !== pinned.keyId) {
      return {
        refused:
          `the server's script-signing key changed: this machine pinned ${pinned.keyId} (${pinned.pinnedAt}), and ${urls.base} now publishes ` +
          `${published.keyId}. Scripts signed with a key this machine did not pin are never run. If the server's operator rotated the ` +
          `key on purpose, register this machine again to trust the new key: xeenet-worker start --server ${urls.base} --reregister`,
      };
    }
    return { credential };
  }
  let updated = credential;
  if (published) {
    updated = { ...updated, signingKey: { ...published, pinnedAt: new Date().toISOString() } };
    log.info('pinned the platform signing key', { server: urls.base, keyId: published.keyId });
  } else {
    log.warn('no script-signing key to pin (the server publishes none, or cannot be reached now): signed scripts are refused until one is pinned on a later start', { server: urls.base });
  }
  if (!updated.accountId) updated = { ...updated, accountId: await fetchAccountId(urls, credential.token, signal) };
  if (updated !== credential) await store.set(urls.base, mode, updated);
  return { credential: updated };
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

export async function start(options: StartOptions, settings: Settings): Promise<number> {
  const { urls, simulate, slots, maxTasks, prefetchLeadS, warmLeadS, allowUnsandboxed, device, name, accountToken } = options;
  const limitOverrides = options.limits;
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
  let page: PageServer | null = null;
  let stopStanding: (() => void) | null = null;
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
    // The volunteer's preferences, before anything slow: a bad config file is said at once.
    const store = new PreferenceStore(settings.configDir);
    try {
      await ensurePrivateDir(settings.configDir);
      await store.load(options.preferences);
    } catch (error) {
      if (!(error instanceof PreferenceError)) throw error;
      console.error(`xeenet-worker: ${error.message}`);
      return 2;
    }
    const usage = new UsageStore(settings.stateDir);
    await usage.load();
    const gate = new RunGate({ store, usage, sampler: process.platform === 'linux' ? new SignalSampler() : null, log });
    const controls = { store, usage, gate };
    const model = new StatusModel(slots, { name, server: urls.base, simulated: simulate });
    model.controls = controls;
    if (options.pagePort > 0) {
      const server = new PageServer({ port: options.pagePort, model, store, log });
      try {
        await server.listen();
        page = server;
        log.info('local status page', { url: server.url });
        if (tty) process.stderr.write(`Local status page: ${server.url}\n`);
      } catch (error) {
        log.warn('cannot open the local status page; working without it', { port: options.pagePort, error: (error as Error).message, fix: 'choose another port with --page-port N' });
      }
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
        provision: !options.noInstall,
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
    const calibration = runtime ? await measureSpeed(runtime, settings, { slots, cores: machine.cores, device, log, signal: startup.signal }) : null;
    if (startup.signal.aborted) return signalExit(lastSignal);
    // The token lives here: keep the folder private even if it existed with looser permissions.
    await ensurePrivateDir(settings.configDir);
    const credentials = new CredentialStore(settings.configDir);
    const mode: Mode = simulate ? 'simulated' : 'real';
    const hardware = hardwareInput(machine, runtime, simulate);
    const registeredCredential = await ensureRegistered({
      store: credentials,
      urls,
      mode,
      name,
      slots,
      accountToken,
      hardware,
      reregister: options.reregister,
      log,
      signal: startup.signal,
    }).catch((error: unknown) => {
      if (error instanceof RegistrationRefusedError) {
        console.error(`xeenet-worker: ${error.message}`);
        return null;
      }
      throw error;
    });
    if (!registeredCredential) return startup.signal.aborted ? signalExit(lastSignal) : 1;
    const keyCheck = simulate ? { credential: registeredCredential } : await checkSigningKey({ store: credentials, urls, mode, log, signal: startup.signal }, registeredCredential);
    if ('refused' in keyCheck) {
      console.error(`xeenet-worker: ${keyCheck.refused}`);
      log.error('signing key changed', { server: urls.base, pinned: registeredCredential.signingKey?.keyId });
      return 1;
    }
    const credential = keyCheck.credential;

    worker = new Worker({
      urls,
      credential,
      settings,
      log,
      board: teeViews(board, model),
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
      calibration,
      // Name, slots and hardware may have changed since the machine registered.
      profile: { name, slots, hardware },
      controls,
      monitor: model,
      onProfileUpdated: (profile) => {
        if (profile.name === credential.name && profile.slots === credential.slots) return;
        credentials.set(urls.base, mode, { ...credential, name: profile.name, slots: profile.slots }).catch((error: unknown) => {
          log.warn('cannot record the updated name and slots in the credentials file', { error });
        });
      },
    });
    if (signals > 0) worker.stop(signals > 1);
    if (page) stopStanding = watchStanding({ client: worker.client, model, log });
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
    stopStanding?.();
    await page?.close();
    await lock?.release();
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/** The calibration (a few seconds): this machine's training speed, with one task's threads and device. */
async function measureSpeed(
  runtime: PythonRuntime,
  settings: Settings,
  options: { slots: number; cores: number; device: 'cpu' | 'cuda' | 'mps' | null; log: Logger; signal: AbortSignal },
): Promise<Speed | null> {
  const threads = options.slots > 1 ? Math.max(1, Math.floor(options.cores / options.slots)) : null;
  const device = (options.device ?? runtime.device) === 'cuda' ? 'cuda' : 'cpu';
  const result = await calibrate(runtime.executable, {
    passthrough: settings.passthroughEnv,
    pythonUserBase: runtime.pythonUserBase,
    threads,
    device,
    signal: options.signal,
  });
  if ('error' in result) {
    if (!options.signal.aborted) options.log.warn('could not measure this machine’s speed; compute tasks get their full wall-clock cap', { error: result.error });
    return null;
  }
  options.log.info('measured this machine’s training speed', {
    tokensPerS: Math.round(result.tokensPerS),
    flopsPerS: Math.round(result.flopsPerS),
    threads: result.threads,
    device: result.device,
    ms: result.ms,
  });
  return { tokensPerS: result.tokensPerS, flopsPerS: result.flopsPerS, source: 'CALIBRATION' };
}

function signalExit(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
}
