// Asks an interpreter what it is and whether it can import PyTorch (and on which device).
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../hardware.ts';
import { taskEnvironment } from './task-env.ts';

// Python 2 compatible on purpose, so that an old interpreter reports itself instead of a syntax error.
export const PROBE_SOURCE = `
import json, os, platform, site, sys
info = {"python": platform.python_version(), "executable": sys.executable, "user_base": None,
        "dirs": [getattr(sys, name, None) for name in ("prefix", "base_prefix", "exec_prefix", "base_exec_prefix")]
                + [os.path.dirname(os.path.realpath(sys.executable))] + [p for p in sys.path if p and os.path.isdir(p)],
        "torch": None, "torch_file": None, "torch_error": None, "cuda": False, "cuda_version": None,
        "gpu_name": None, "gpu_memory_mb": None, "mps": False}
try:
    info["user_base"] = site.getuserbase()
except Exception:
    pass
if sys.version_info < (3, 8):
    info["torch_error"] = "Python %s is too old: 3.8 or newer is needed" % platform.python_version()
else:
    try:
        import torch
        info["torch"] = str(torch.__version__)
        info["torch_file"] = torch.__file__
        info["cuda_version"] = getattr(torch.version, "cuda", None)
        try:
            if torch.cuda.is_available():
                props = torch.cuda.get_device_properties(0)
                info["cuda"] = True
                info["gpu_name"] = props.name
                info["gpu_memory_mb"] = int(props.total_memory // (1024 * 1024))
        except Exception as exc:
            info["cuda_error"] = "%s: %s" % (type(exc).__name__, exc)
        try:
            mps = getattr(torch.backends, "mps", None)
            info["mps"] = bool(mps is not None and mps.is_available())
        except Exception:
            pass
    except Exception as exc:
        info["torch_error"] = "%s: %s" % (type(exc).__name__, exc)
sys.stdout.write(json.dumps(info) + "\\n")
sys.stdout.flush()
`;

export interface ProbeInfo {
  python: string;
  executable: string;
  userBase: string | null;
  torch: string | null;
  torchFile: string | null;
  torchError: string | null;
  cuda: boolean;
  cudaVersion: string | null;
  gpuName: string | null;
  gpuMemoryMb: number | null;
  mps: boolean;
  /** Folders the interpreter reads: its prefixes, its executable's folder, its sys.path. */
  dirs: string[];
}

export type ProbeResult =
  | { ok: true; info: ProbeInfo; ms: number }
  | { ok: false; error: string; info: ProbeInfo | null; ms: number };

export interface ProbeOptions {
  passthrough: Record<string, string>;
  /** HOME for the probe; by default a fresh temporary folder, as training subprocesses get. */
  home?: string;
  pythonUserBase?: string | null;
  timeoutMs?: number;
  /** Start-up's stop: kills the probe. */
  signal?: AbortSignal;
}

function parseProbe(stdout: string): ProbeInfo | null {
  const line = stdout.trim().split('\n').pop();
  if (!line) return null;
  try {
    const raw = JSON.parse(line) as Record<string, unknown>;
    const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
    return {
      python: str(raw.python) ?? 'unknown',
      executable: str(raw.executable) ?? '',
      userBase: str(raw.user_base),
      torch: str(raw.torch),
      torchFile: str(raw.torch_file),
      torchError: str(raw.torch_error),
      cuda: raw.cuda === true,
      cudaVersion: str(raw.cuda_version),
      gpuName: str(raw.gpu_name),
      gpuMemoryMb: typeof raw.gpu_memory_mb === 'number' ? raw.gpu_memory_mb : null,
      mps: raw.mps === true,
      dirs: Array.isArray(raw.dirs) ? raw.dirs.filter((dir): dir is string => typeof dir === 'string' && dir.startsWith('/')) : [],
    };
  } catch {
    return null;
  }
}

/** Runs the probe in the same kind of scrubbed environment a training subprocess gets. */
export async function probePython(executable: string, options: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const home = options.home ?? (await mkdtemp(path.join(os.tmpdir(), 'xeenet-probe-')));
  try {
    await mkdir(path.join(home, 'tmp'), { recursive: true });
    const env = taskEnvironment({ passthrough: options.passthrough, workDir: home, pythonUserBase: options.pythonUserBase });
    const result = await run(executable, ['-c', PROBE_SOURCE], { timeoutMs: options.timeoutMs ?? 120_000, env, cwd: home, signal: options.signal });
    const ms = Math.round(performance.now() - started);
    if (result.error && result.error.code === 'ENOENT') return { ok: false, error: `${executable} does not exist`, info: null, ms };
    if (result.error && result.error.code === 'EACCES') return { ok: false, error: `${executable} is not executable`, info: null, ms };
    const info = parseProbe(result.stdout);
    if (!info) {
      const detail = (result.stderr || result.error?.message || 'no output').trim().split('\n').slice(-3).join(' | ');
      return { ok: false, error: `${executable} did not answer the probe (exit ${result.code ?? 'signal'}): ${detail}`, info: null, ms };
    }
    if (!info.torch) return { ok: false, error: info.torchError ?? 'cannot import torch', info, ms };
    return { ok: true, info, ms };
  } finally {
    if (!options.home) await rm(home, { recursive: true, force: true });
  }
}
