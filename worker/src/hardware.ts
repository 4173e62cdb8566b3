// What the machine has: CPU, memory, GPUs (through nvidia-smi), operating system.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';

export interface GpuInfo {
  name: string;
  memoryMb: number | null;
  driverVersion: string | null;
}

export interface NvidiaReport {
  /** False when nvidia-smi is not installed or failed. */
  available: boolean;
  gpus: GpuInfo[];
  /** The newest CUDA version the driver supports ("12.4"), from nvidia-smi's header. */
  cudaVersion: string | null;
  error: string | null;
}

export interface OsRelease {
  id: string | null;
  idLike: string[];
  prettyName: string | null;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramMb: number;
  platform: string;
  os: OsRelease;
  nvidia: NvidiaReport;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error: NodeJS.ErrnoException | null;
}

/** Runs a program without a shell; never throws. An abort of `signal` SIGKILLs it (stop during start-up). */
export function run(
  file: string,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string; maxBuffer?: number; signal?: AbortSignal } = {},
): Promise<ExecResult> {
  if (options.signal?.aborted) {
    const error = Object.assign(new Error(`not started: stopping (${file})`), { code: 'ABORT_ERR' }) as NodeJS.ErrnoException;
    return Promise.resolve({ code: null, stdout: '', stderr: '', error });
  }
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: options.timeoutMs ?? 10_000,
        env: options.env,
        cwd: options.cwd,
        maxBuffer: options.maxBuffer ?? 4 * 1024 * 1024,
        shell: false,
        windowsHide: true,
        killSignal: 'SIGKILL',
        signal: options.signal,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), error: error as NodeJS.ErrnoException | null });
      },
    );
  });
}

/** Parses `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits`. */
export function parseNvidiaQuery(csv: string): GpuInfo[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name = '', memory = '', driver = ''] = line.split(',').map((field) => field.trim());
      const memoryMb = Number.parseInt(memory, 10);
      return { name, memoryMb: Number.isFinite(memoryMb) ? memoryMb : null, driverVersion: driver || null };
    })
    .filter((gpu) => gpu.name !== '');
}

/** The "CUDA Version: 12.4" in nvidia-smi's banner. */
export function parseCudaVersion(banner: string): string | null {
  return /CUDA Version:\s*([0-9]+\.[0-9]+)/.exec(banner)?.[1] ?? null;
}

export async function detectNvidia(pathEnv: string, signal?: AbortSignal): Promise<NvidiaReport> {
  const env = { PATH: pathEnv };
  const query = await run('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits'], {
    timeoutMs: 10_000,
    env,
    signal,
  });
  if (query.error?.code === 'ENOENT') return { available: false, gpus: [], cudaVersion: null, error: 'nvidia-smi is not installed (no NVIDIA driver)' };
  if (query.code !== 0) {
    const detail = (query.stderr || query.stdout || query.error?.message || '').trim().split('\n')[0];
    return { available: false, gpus: [], cudaVersion: null, error: `nvidia-smi failed: ${detail}` };
  }
  const banner = await run('nvidia-smi', [], { timeoutMs: 10_000, env, signal });
  return { available: true, gpus: parseNvidiaQuery(query.stdout), cudaVersion: parseCudaVersion(banner.stdout), error: null };
}

export function parseOsRelease(text: string): OsRelease {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]!] = match[2]!.replace(/^["']|["']$/g, '');
  }
  return {
    id: values.ID ?? null,
    idLike: (values.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
    prettyName: values.PRETTY_NAME ?? null,
  };
}

export async function readOsRelease(file = '/etc/os-release'): Promise<OsRelease> {
  try {
    return parseOsRelease(await readFile(file, 'utf8'));
  } catch {
    return { id: null, idLike: [], prettyName: null };
  }
}

export function isDebianLike(release: OsRelease): boolean {
  return [release.id, ...release.idLike].some((id) => id === 'debian' || id === 'ubuntu');
}

export async function detectMachine(pathEnv: string, signal?: AbortSignal): Promise<MachineInfo> {
  const cpus = os.cpus();
  const [release, nvidia] = await Promise.all([readOsRelease(), detectNvidia(pathEnv, signal)]);
  return {
    cpu: cpus[0]?.model.trim() || os.arch(),
    cores: os.availableParallelism(),
    ramMb: Math.round(os.totalmem() / (1024 * 1024)),
    platform: `${os.platform()}-${os.arch()}${release.prettyName ? ` (${release.prettyName})` : ''}`,
    os: release,
    nvidia,
  };
}
