// `xeenet-worker doctor`: what this machine has, what is missing, and the exact fix. Read-only:
// it never installs anything (`start` provisions PyTorch itself where it can).
import type { ServerUrls } from './api/server.ts';
import { CredentialStore } from './credentials.ts';
import { detectMachine, type MachineInfo } from './hardware.ts';
import type { Logger } from './log.ts';
import { shareableDirs } from './execution.ts';
import { type Discovery, discoverPython, type PythonRuntime, torchIndex, torchVariant, which } from './python/discover.ts';
import { checkSandbox, measureStartCost, type StartCost } from './sandbox/host.ts';
import { describeLimits, resourceLimits } from './sandbox/limits.ts';
import { type SandboxStatus, UNSANDBOXED_FLAG } from './sandbox/policy.ts';
import { SignalSampler } from './preferences/signals.ts';
import { PreferenceStore } from './preferences/store.ts';
import { privateDirs, type Settings } from './settings.ts';

export interface DoctorReport {
  ok: boolean;
  node: { version: string; ok: boolean };
  machine: MachineInfo;
  python: Discovery;
  sandbox: { status: SandboxStatus; startCost: StartCost | null; limits: string };
  folders: { config: string; cache: string; data: string; state: string };
  server: { url: string; reachable: boolean; detail: string; registered: { workerId: string; name: string } | null } | null;
  /** The volunteer's preferences file, and which machine signals the idle and battery rules can use here. */
  volunteer: { preferencesFile: string; preferences: { key: string; value: unknown; source: string }[] | null; signalsAvailable: string[]; signalsUnavailable: string[] };
  warnings: string[];
  missing: string[];
  fixes: string[];
}

export function nodeSupported(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

async function checkServer(urls: ServerUrls, settings: Settings): Promise<NonNullable<DoctorReport['server']>> {
  let reachable = false;
  let detail: string;
  try {
    const response = await fetch(`${urls.base}/healthz`, { signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
    reachable = response.ok;
    detail = response.ok ? 'reachable' : `/healthz answered HTTP ${response.status}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    detail = `not reachable (${cause ?? (error as Error).message})`;
  }
  const credential = await new CredentialStore(settings.configDir).get(urls.base, 'real').catch(() => null);
  return { url: urls.base, reachable, detail, registered: credential ? { workerId: credential.workerId, name: credential.name } : null };
}

export async function runDoctor(options: { settings: Settings; log: Logger; server: ServerUrls | null }): Promise<DoctorReport> {
  const { settings, log } = options;
  const machine = await detectMachine(settings.path);
  const [python, server] = await Promise.all([
    discoverPython({ settings, log, provision: false, nvidia: machine.nvidia, os: machine.os }),
    options.server ? checkServer(options.server, settings) : Promise.resolve(null),
  ]);
  const sandbox = await sandboxReport(settings, machine, python.runtime);
  const volunteer = await volunteerReport(settings);
  const node = { version: process.version, ok: nodeSupported() };
  const missing: string[] = [];
  const fixes: string[] = [];
  const warnings: string[] = [];
  if (!node.ok) {
    missing.push(`Node.js 22.18 or newer (this is ${process.version})`);
    fixes.push('install Node.js 22.18+ from https://nodejs.org/ (or `nvm install 24`)');
  }
  if (!python.runtime) {
    missing.push('PyTorch: no Python that can `import torch` was found, so no real task can run');
    fixes.push(...python.fixes);
  } else if (machine.nvidia.gpus.length > 0 && python.runtime.device !== 'cuda') {
    const index = torchIndex(settings, torchVariant(machine.nvidia.cudaVersion));
    warnings.push(
      `nvidia-smi sees ${machine.nvidia.gpus.map((gpu) => gpu.name).join(', ')} but torch ${python.runtime.torchVersion} cannot use it; ` +
        `tasks will run on the CPU. For the GPU: ${python.runtime.executable} -m pip install --upgrade torch${index.url ? ` --index-url ${index.url}` : ''}`,
    );
  }
  if (!volunteer.preferences) warnings.push(`${volunteer.preferencesFile} cannot be used: ${volunteer.preferencesProblem}; \`start\` refuses to begin until it is fixed or removed`);
  if (server && !server.reachable) warnings.push(`the server ${server.url} is ${server.detail}`);
  if (!sandbox.status.available) {
    warnings.push(
      `no sandbox: ${sandbox.status.reason}. \`start\` runs only platform built-in scripts whose signature verifies (reviewed and ` +
        `researchers' own scripts are refused) unless it is given ${UNSANDBOXED_FLAG}, which runs every script with this user's ` +
        `rights, network and files${sandbox.status.fix ? `; to sandbox them: ${sandbox.status.fix}` : ''}`,
    );
  }
  return {
    ok: missing.length === 0,
    node,
    machine,
    python,
    sandbox,
    folders: { config: settings.configDir, cache: settings.cacheDir, data: settings.dataDir, state: settings.stateDir },
    server,
    volunteer: { preferencesFile: volunteer.preferencesFile, preferences: volunteer.preferences, signalsAvailable: volunteer.signalsAvailable, signalsUnavailable: volunteer.signalsUnavailable },
    warnings,
    missing,
    fixes,
  };
}

/** The preferences `start` would use (file over defaults) and what the idle and battery rules can see here. */
async function volunteerReport(settings: Settings): Promise<DoctorReport['volunteer'] & { preferencesProblem: string | null }> {
  const store = new PreferenceStore(settings.configDir);
  let preferences: DoctorReport['volunteer']['preferences'] = null;
  let preferencesProblem: string | null = null;
  try {
    await store.load({});
    preferences = store.describe();
  } catch (error) {
    preferencesProblem = (error as Error).message;
  }
  if (process.platform !== 'linux') {
    return { preferencesFile: store.file, preferences, preferencesProblem, signalsAvailable: [], signalsUnavailable: ['every idle and battery signal (read only on Linux): "only when idle" never runs, "pause on battery" never pauses'] };
  }
  const signals = await new SignalSampler().sample();
  return { preferencesFile: store.file, preferences, preferencesProblem, signalsAvailable: signals.available, signalsUnavailable: signals.unavailable };
}

/** The sandbox check (a trivial command in a real sandbox) and its measured start cost. */
async function sandboxReport(settings: Settings, machine: MachineInfo, runtime: PythonRuntime | null): Promise<DoctorReport['sandbox']> {
  const limits = describeLimits(resourceLimits(machine, 1));
  const interpreter = runtime?.interpreter ?? (await which('python3', settings.path)) ?? '/usr/bin/python3';
  const interpreterDirs = runtime ? shareableDirs(runtime.dirs, privateDirs(settings)) : [];
  const check = await checkSandbox({ bwrap: settings.bwrap, pathEnv: settings.path, python: interpreter, interpreterDirs });
  const startCost = check.host ? await measureStartCost(check.host, interpreter, 7) : null;
  return { status: check.status, startCost, limits };
}

function row(label: string, value: string, status?: 'ok' | 'missing' | 'warn'): string {
  const mark = status === 'ok' ? '  ok' : status === 'missing' ? '  MISSING' : status === 'warn' ? '  warning' : '';
  return `  ${label.padEnd(10)} ${value}${mark}`;
}

export function formatDoctor(report: DoctorReport): string {
  const { machine, python } = report;
  const lines = ['XeeNet worker doctor', ''];
  lines.push(row('Node.js', report.node.version, report.node.ok ? 'ok' : 'missing'));
  lines.push(row('Platform', machine.platform));
  lines.push(row('CPU', `${machine.cpu}, ${machine.cores} usable cores`));
  lines.push(row('RAM', `${(machine.ramMb / 1024).toFixed(1)} GiB`));
  if (machine.nvidia.gpus.length) {
    const gpus = machine.nvidia.gpus.map((gpu) => `${gpu.name}${gpu.memoryMb ? ` (${(gpu.memoryMb / 1024).toFixed(0)} GiB)` : ''}`).join(', ');
    lines.push(row('GPU', `${gpus}; driver ${machine.nvidia.gpus[0]!.driverVersion ?? '?'}, CUDA ${machine.nvidia.cudaVersion ?? '?'} (nvidia-smi)`));
  } else {
    lines.push(row('GPU', `none (${machine.nvidia.error ?? 'nvidia-smi lists no GPU'})`));
  }
  const runtime = python.runtime;
  if (runtime) {
    lines.push(row('Python', `${runtime.executable} (Python ${runtime.pythonVersion}, found via ${runtime.source})`, 'ok'));
    const gpu = runtime.device === 'cuda' ? `, ${runtime.gpuName ?? 'GPU'}${runtime.gpuMemoryMb ? ` ${(runtime.gpuMemoryMb / 1024).toFixed(0)} GiB` : ''}, CUDA ${runtime.cudaVersion}` : '';
    lines.push(row('PyTorch', `${runtime.torchVersion} on ${runtime.device}${gpu} (probe ${runtime.probeMs} ms)`, 'ok'));
  } else {
    lines.push(row('Python', 'no interpreter with PyTorch', 'missing'));
    lines.push(row('PyTorch', 'not found', 'missing'));
  }
  python.attempts.forEach((attempt, index) => {
    lines.push(row(index === 0 ? 'Tried' : '', `${attempt.ok ? '✓' : '✗'} ${attempt.step}${attempt.executable && attempt.executable !== attempt.step ? ` (${attempt.executable})` : ''}: ${attempt.detail}`));
  });
  const { status, startCost } = report.sandbox;
  if (status.available) {
    const cost = startCost ? `; start cost ${startCost.costMs} ms (median of ${startCost.samples}: ${startCost.sandboxedMs} ms sandboxed, ${startCost.plainMs} ms plain)` : '';
    lines.push(row('Sandbox', `bubblewrap ${status.version}${status.asRoot ? ', as root: tasks run as their own unprivileged uid' : ''}${cost}`, 'ok'));
  } else {
    lines.push(row('Sandbox', `NONE: ${status.reason}`, 'warn'));
  }
  lines.push(row('Limits', `${report.sandbox.limits} per task (one slot)`));
  lines.push(row('Folders', `config ${report.folders.config}`));
  lines.push(row('', `cache  ${report.folders.cache}`));
  lines.push(row('', `data   ${report.folders.data}`));
  lines.push(row('', `state  ${report.folders.state}`));
  const volunteer = report.volunteer;
  lines.push(row('Prefs', volunteer.preferences ? `${volunteer.preferencesFile} (${volunteer.preferences.filter((p) => p.source !== 'default').length} set, the rest default)` : `${volunteer.preferencesFile}: NOT USABLE`, volunteer.preferences ? undefined : 'warn'));
  volunteer.signalsAvailable.forEach((signal, index) => lines.push(row(index === 0 ? 'Idle' : '', `available: ${signal}`)));
  volunteer.signalsUnavailable.forEach((signal, index) => lines.push(row(index === 0 && !volunteer.signalsAvailable.length ? 'Idle' : '', `not available: ${signal}`)));
  if (report.server) {
    const registered = report.server.registered ? `registered as worker ${report.server.registered.name} (${report.server.registered.workerId})` : 'not registered yet (start registers on first use)';
    lines.push(row('Server', `${report.server.url}: ${report.server.detail}; ${registered}`, report.server.reachable ? 'ok' : 'warn'));
  }
  lines.push('');
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`);
  if (report.ok) {
    lines.push('Ready. Start donating with:  xeenet-worker start --server URL');
  } else {
    lines.push(`Missing: ${report.missing.join('; ')}.`);
    lines.push('Fix (any one of):');
    report.fixes.forEach((fix, index) => lines.push(`  ${index + 1}. ${fix}`));
  }
  return lines.join('\n');
}
