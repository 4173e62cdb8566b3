// The worker: one API connection, one spool, and one SlotLoop per slot, each driving its
// TaskCycle. Shutdown in two stages: the first stop request lets running tasks finish and report
// (a task leased ahead is given back); the second kills them and gives their leases back.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ApiClient, TokenRejectedError } from './api/client.ts';
import type { ServerUrls } from './api/server.ts';
import { ArtifactCache } from './artifacts.ts';
import type { Credential } from './credentials.ts';
import { type Executor, RealExecutor } from './execution.ts';
import { LeaseSource } from './leasing.ts';
import type { Logger } from './log.ts';
import { composePreflight, type Preflight, refusalCode, sandboxPolicyCheck, scriptKindCheck } from './preflight.ts';
import { signatureCheck } from './signature-check.ts';
import type { RunDecision } from './preferences/decide.ts';
import type { RunGate } from './preferences/gate.ts';
import type { PreferenceStore } from './preferences/store.ts';
import type { UsageStore } from './preferences/usage.ts';
import { Preparer } from './preparation.ts';
import { ProfileUpdater, type WorkerProfile } from './profile.ts';
import { expectedSeconds, type Speed, SpeedReporter } from './speed.ts';
import type { PythonRuntime } from './python/discover.ts';
import { Reporter } from './reporter.ts';
import { SimulatedExecutor } from './simulation.ts';
import { KILL_GRACE_S } from './runner.ts';
import type { SandboxHost } from './sandbox/host.ts';
import type { ResourceLimits } from './sandbox/limits.ts';
import type { SandboxStatus } from './sandbox/policy.ts';
import { privateDirs, type Settings } from './settings.ts';
import { SlotLoop } from './slot-loop.ts';
import { Spool } from './spool.ts';
import { type ConnectionState, summaryLine, WorkerStats } from './stats.ts';
import type { StatusView } from './status-board.ts';
import { CannotRunError, type ReadyTask, type RunResult, TaskCycle, type TaskEnded } from './task-cycle.ts';
import { ensurePrivateDir } from './util/fs.ts';

export type { WorkerProfile } from './profile.ts';

export interface WorkerConfig {
  urls: ServerUrls;
  credential: Credential;
  settings: Settings;
  log: Logger;
  board: StatusView | null;
  slots: number;
  simulate: boolean;
  /** Required unless simulate. */
  runtime: PythonRuntime | null;
  cores: number;
  /** Passed to the script as `device` when set (--device). */
  device: string | null;
  /** The sandbox tasks run in; null: unsandboxed (none here and --allow-unsandboxed, or simulating). */
  sandbox: SandboxHost | null;
  sandboxStatus: SandboxStatus;
  allowUnsandboxed: boolean;
  limits: ResourceLimits;
  /** Lease the next task this long before the running one is expected to end. */
  prefetchLeadS?: number;
  /** Start the next task's interpreter this long before the running one's budget ends (default: adaptive, see warmLeadFor). */
  warmLeadS?: number;
  /** Modules the warm interpreter imports before the handoff (default: torch). */
  preload?: string[];
  killGraceS?: number;
  /** Lease at most this many tasks, then finish and exit (--max-tasks). */
  maxTasks?: number | null;
  keepAliveMs?: number;
  /** This start's name, slots and hardware: sent with updateWorker once connected. */
  profile?: WorkerProfile | null;
  /** Called after the server accepted the profile (to keep the stored credential in step). */
  onProfileUpdated?(profile: WorkerProfile): void;
  /** Checks before a lease runs, in front of the sandbox policy (signatures, preferences). */
  preflight?: Preflight[];
  /** Preferences and the run gate; null: always run (tests, the benchmark). */
  controls?: VolunteerControls | null;
  monitor?: WorkerMonitor | null;
  /** The calibration's speed (start.ts measures it); reported once connected, then refreshed from tasks. */
  calibration?: Speed | null;
}

/** The volunteer's controls (src/preferences/): what they chose, whether to run now, today's usage. */
export interface VolunteerControls {
  store: PreferenceStore;
  gate: RunGate;
  usage: UsageStore;
}

/** Told what the worker does, for the local page (src/page/). */
export interface WorkerMonitor {
  taskEnded(ended: TaskEnded): void;
  delivered(taskId: string, creditsEarned: number, duplicate: boolean): void;
}

export type WorkerExit = 'finished' | 'stopped' | 'aborted' | 'token-rejected' | 'cannot-run';

/** As root, sandboxed tasks run as these uids and gids (two per slot), which no account uses. */
export const SANDBOX_UID_BASE = 1_900_000_000;

export class Worker {
  readonly config: WorkerConfig;
  readonly log: Logger;
  readonly client: ApiClient;
  readonly reporter: Reporter;
  readonly stats = new WorkerStats();
  readonly runsDir: string;
  /** Leftover task folders are gone: interpreters may warm now. */
  private runsReady = false;
  /** The measured training speed the API fits compute caps to. */
  readonly speed: SpeedReporter;
  private readonly leasing: LeaseSource;
  private readonly cycles: TaskCycle[] = [];
  private readonly loops: SlotLoop<ReadyTask, RunResult>[] = [];
  private readonly forceStop = new AbortController();
  private fatal: Error | null = null;
  stopping = false;
  forced = false;

  constructor(config: WorkerConfig) {
    if (!config.simulate && !config.runtime) throw new Error('a Python runtime with PyTorch is required unless simulating');
    this.config = config;
    this.log = config.log;
    this.runsDir = path.join(config.settings.stateDir, 'runs');
    this.client = new ApiClient({
      urls: config.urls,
      token: config.credential.token,
      log: config.log,
      keepAliveMs: config.keepAliveMs,
      onFatal: (error) => this.fail(error),
    });
    this.reporter = new Reporter({
      spool: new Spool(config.settings.stateDir),
      client: this.client,
      log: config.log,
      server: config.urls.base,
      workerId: config.credential.workerId,
      onDelivered: (taskId, credits, duplicate) => config.monitor?.delivered(taskId, credits, duplicate),
    });
    this.speed = new SpeedReporter({ client: this.client, log: config.log, calibration: config.calibration ?? null });
    this.leasing = new LeaseSource({
      client: this.client,
      reporter: this.reporter,
      log: config.log,
      maxTasks: config.maxTasks ?? null,
      beforeLease: () => this.speed.settled(),
    });
    const profile = new ProfileUpdater({ client: this.client, log: config.log, profile: config.profile ?? null, onUpdated: config.onProfileUpdated });
    config.board?.summary(() => summaryLine(config.urls.base, this.connectionState(), this.stats, this.reporter.pending));
    this.client.onConnected(() => {
      this.reporter.kick();
      void this.reporter.replay();
      void profile.send();
      // Leasing waits for it (LeaseSource's beforeLease): the first compute task's cap follows it.
      void this.speed.send();
    });

    const executor = this.executor();
    // Getters: a change of the threads cap or the GPU switch applies from the next task on.
    const deviceForTasks = () => this.deviceForTasks();
    const threadsPerTask = () => this.threadsPerTask();
    const preparer = config.simulate
      ? null
      : new Preparer({
          cache: new ArtifactCache(path.join(config.settings.cacheDir, 'artifacts'), config.log),
          urls: config.urls,
          get device() {
            return deviceForTasks();
          },
          get threads() {
            return threadsPerTask();
          },
        });
    const controls = config.controls ?? null;
    const preferenceChecks = controls ? [scriptKindCheck(() => controls.store.preferences.acceptScripts)] : [];
    // Signatures first: the sandbox policy trusts a BUILTIN only once its signature verified.
    const signatures = config.simulate ? [] : [signatureCheck({ pinned: config.credential.signingKey ?? null, accountId: config.credential.accountId ?? null })];
    const preflight = composePreflight(...signatures, ...(config.preflight ?? []), ...preferenceChecks, sandboxPolicyCheck(config.sandboxStatus, config.allowUnsandboxed));
    for (let slot = 0; slot < config.slots; slot++) {
      const cycle = new TaskCycle({
        slot,
        client: this.client,
        leasing: this.leasing,
        preparer,
        preflight,
        // refuseTask: not counted as an attempt, and never leased to this machine again. A refusal
        // by the volunteer's own preferences gives the lease back instead: preferences change.
        refuse: (task, refusal) =>
          refusalCode(refusal.code) === 'PREFERENCES'
            ? this.leasing.release(task.lease, refusal.reason)
            : this.leasing.refuse(task.lease, refusalCode(refusal.code), refusal.reason),
        executor,
        reporter: this.reporter,
        stats: this.stats,
        log: config.log.child({ slot: slot + 1 }),
        show: (view) => config.board?.update(slot, view),
        identity: { server: config.urls.base, workerId: config.credential.workerId, simulate: config.simulate },
        prefetchLeadS: config.prefetchLeadS ?? 5,
        warmLeadS: config.warmLeadS ?? null,
        onFatal: (error) => this.fail(error),
        onTaskEnded: (ended) => this.taskEnded(ended),
        onCompleted: (lease, metrics) => this.speed.observe(lease, metrics),
        expectedS: (lease) => expectedSeconds(this.speed.speed, lease) ?? lease.budgetS,
      });
      this.cycles.push(cycle);
      this.loops.push(new SlotLoop(cycle));
    }
    if (controls) {
      controls.gate.onChange((decision) => this.applyDecision(decision));
      this.applyDecision(controls.gate.decision);
    }
  }

  /** Whether the preferences let the worker take work now, and why not. */
  get decision(): RunDecision | null {
    return this.config.controls?.gate.decision ?? null;
  }

  private applyDecision(decision: RunDecision): void {
    if (this.stopping) return;
    for (const loop of this.loops) {
      if (decision.run) loop.resume();
      else loop.pause(decision.whenRunning, decision.reason);
    }
    // Before run() has cleared leftover task folders, warming would start in a folder it then removes.
    if (decision.run && !this.runsReady) return;
    for (const cycle of this.cycles) {
      cycle.rest(!decision.run).catch((error: unknown) => this.log.warn('cannot stop the waiting interpreter', { error: (error as Error).message }));
    }
  }

  private taskEnded(ended: TaskEnded): void {
    const controls = this.config.controls;
    if (controls) {
      controls.usage.record(ended.end.wallS);
      // A daily cap reached by this task stops the next lease before the loop asks for one.
      controls.gate.evaluate();
    }
    this.config.monitor?.taskEnded(ended);
  }

  get completed(): number {
    return this.stats.completed;
  }

  get failed(): number {
    return this.stats.failed;
  }

  /** First call: finish running tasks, then exit. With force (or a second call): kill and release. */
  stop(force = false): void {
    if (this.stopping && !force) force = true;
    if (!this.stopping) {
      this.stopping = true;
      this.leasing.close();
      if (!force) this.log.info('stopping: finishing the running tasks first (stop again to abort them)');
    }
    if (force && !this.forced) {
      this.forced = true;
      this.log.warn('aborting: killing running tasks and releasing their leases');
      this.forceStop.abort();
    }
    for (const loop of this.loops) {
      if (this.forced) loop.abort();
      else loop.stop();
    }
  }

  async run(): Promise<WorkerExit> {
    await ensurePrivateDir(this.runsDir);
    await this.cleanRunsDir();
    this.runsReady = true;
    this.log.info('worker ready', {
      server: this.config.urls.base,
      workerId: this.config.credential.workerId,
      slots: this.config.slots,
      simulated: this.config.simulate,
      sandboxed: this.config.sandbox !== null,
      python: this.config.runtime?.executable,
      torch: this.config.runtime?.torchVersion,
      device: this.config.runtime?.device,
    });
    if (!this.stopping && (this.decision?.run ?? true)) for (const cycle of this.cycles) cycle.prime();
    await this.config.controls?.gate.start();
    await this.reporter.replay();
    await Promise.all(this.loops.map((loop) => loop.start()));
    this.config.controls?.gate.stop();
    await this.config.controls?.usage.flush();
    await Promise.all(this.cycles.map((cycle) => cycle.close()));

    const drained = await this.reporter.drain(this.forced ? 3000 : 10_000, this.forceStop.signal);
    if (!drained) {
      this.log.warn('some reports are not delivered yet; they stay in the spool and are sent on the next start', { pending: this.reporter.pending });
    }
    this.reporter.stop();
    await this.client.close();
    if (this.fatal instanceof TokenRejectedError) return 'token-rejected';
    if (this.fatal instanceof CannotRunError) return 'cannot-run';
    if (this.forced) return 'aborted';
    return this.stopping ? 'stopped' : 'finished';
  }

  /** Why the worker stopped on its own (token rejected, nothing can run here), for the CLI. */
  get fatalError(): Error | null {
    return this.fatal;
  }

  private fail(error: Error): void {
    if (this.fatal) return;
    this.fatal = error;
    this.log.error(`${error.message}; stopping`);
    this.stop(true);
  }

  private connectionState(): ConnectionState {
    if (this.stopping) return this.forced ? 'aborting' : 'stopping';
    if (this.client.connected) return 'connected';
    return this.client.everConnected ? 'reconnecting' : 'connecting';
  }

  private executor(): Executor {
    const { config } = this;
    if (config.simulate) return new SimulatedExecutor();
    const runtime = config.runtime!;
    const settings = config.settings;
    const threadsPerTask = () => this.threadsPerTask();
    const deviceForTasks = () => this.deviceForTasks();
    return new RealExecutor({
      runtime,
      sandbox: config.sandbox,
      limits: config.limits,
      runsDir: this.runsDir,
      passthroughEnv: settings.passthroughEnv,
      get threads() {
        return threadsPerTask();
      },
      cores: config.cores,
      get gpu() {
        return runtime.device === 'cuda' && deviceForTasks() !== 'cpu';
      },
      killGraceS: config.killGraceS ?? KILL_GRACE_S,
      parentDeathSignal: settings.parentDeathSignal,
      preload: config.preload ?? ['torch'],
      sandboxUidBase: SANDBOX_UID_BASE,
      privateDirs: privateDirs(settings),
    });
  }

  /** Threads per task: all usable cores for one slot (the script decides), a share for several; at most the volunteer's cap. */
  threadsPerTask(): number | null {
    const cap = this.config.controls?.store.preferences.cpuThreads ?? null;
    const share = this.config.slots <= 1 ? null : Math.max(1, Math.floor(this.config.cores / this.config.slots));
    if (cap === null) return share;
    return Math.min(cap, share ?? this.config.cores);
  }

  /** The device passed to scripts: --device, or cpu when the volunteer switched the GPU off. */
  deviceForTasks(): string | null {
    if (this.config.controls && !this.config.controls.store.preferences.gpu) return 'cpu';
    return this.config.device;
  }

  /** Leftover folders of tasks from a worker that was killed. */
  private async cleanRunsDir(): Promise<void> {
    for (const name of await readdir(this.runsDir)) {
      await rm(path.join(this.runsDir, name), { recursive: true, force: true });
    }
  }
}
