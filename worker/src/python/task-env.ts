// The environment a training subprocess gets: only what Python needs, never the worker's secrets.
import path from 'node:path';

export interface TaskEnvOptions {
  /** Allow-listed variables from the worker's environment (Settings.passthroughEnv). */
  passthrough: Record<string, string>;
  /** The task's private working folder (as the task sees it): it becomes HOME. */
  workDir: string;
  /** TMPDIR: by default `tmp` inside the working folder (a sandbox has its own /tmp). */
  tmpDir?: string;
  /** CPU threads for BLAS/OpenMP; omitted when the script should use every usable core. */
  threads?: number | null;
  /** Set when PyTorch lives in the user's site-packages, which depends on HOME otherwise. */
  pythonUserBase?: string | null;
}

export function taskEnvironment(options: TaskEnvOptions): Record<string, string> {
  const env: Record<string, string> = {
    ...options.passthrough,
    HOME: options.workDir,
    TMPDIR: options.tmpDir ?? path.join(options.workDir, 'tmp'),
    LANG: options.passthrough.LANG ?? 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONHASHSEED: '0',
    PYTHONIOENCODING: 'utf-8',
  };
  if (!env.PATH) env.PATH = '/usr/local/bin:/usr/bin:/bin';
  if (options.pythonUserBase) env.PYTHONUSERBASE = options.pythonUserBase;
  if (options.threads && options.threads > 0) {
    for (const name of ['OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS']) env[name] = String(options.threads);
  }
  return env;
}
