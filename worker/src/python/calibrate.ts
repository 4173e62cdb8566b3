// How fast this machine trains, measured in a few seconds at start: a one-layer transformer step
// (embedding, causal attention, a 4x MLP, an untied head, AdamW) the shape of char-transformer's
// default config (n_embd 64, 4 heads, block 32, batch 32: ~418 kFLOPs per token, counted as the
// scripts count them: 6 x matmul weights + 12 x layers x width x block for attention), timed
// over ~1 s of steps after two warm-up steps. The API fits compute tasks' wall-clock caps to the
// speed and skips tasks this machine could not finish; real tasks' throughput refines it later.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../hardware.ts';
import { taskEnvironment } from './task-env.ts';

export const CALIBRATION_SOURCE = `
import json, os, sys, time
opts = json.loads(sys.argv[1])
threads = opts.get("threads") or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
os.environ.setdefault("OMP_NUM_THREADS", str(threads))
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
os.environ.setdefault("MKL_NUM_THREADS", str(threads))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch
import torch.nn.functional as F
torch.set_num_threads(threads)
device = opts.get("device") or "cpu"
if device == "cuda" and not torch.cuda.is_available():
    device = "cpu"
torch.manual_seed(0)
V, D, H, T, B = 256, 64, 4, 32, 32
def param(*shape):
    return torch.nn.Parameter(torch.randn(*shape, device=device) * 0.02)
emb, qkv, proj, up, down, head = param(V, D), param(D, 3 * D), param(D, D), param(D, 4 * D), param(4 * D, D), param(D, V)
params = [emb, qkv, proj, up, down, head]
opt = torch.optim.AdamW(params, lr=1e-3)
mask = torch.full((T, T), float("-inf"), device=device).triu(1)
data = torch.randint(0, V, (B, T + 1), device=device)
def step():
    x = emb[data[:, :T]]
    q, k, v = (x @ qkv).split(D, dim=-1)
    q, k, v = (t.view(B, T, H, D // H).transpose(1, 2) for t in (q, k, v))
    att = torch.softmax(q @ k.transpose(-1, -2) / (D // H) ** 0.5 + mask, dim=-1)
    x = x + (att @ v).transpose(1, 2).reshape(B, T, D) @ proj
    x = x + torch.relu(x @ up) @ down
    loss = F.cross_entropy((x @ head).view(-1, V), data[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss
def sync():
    if device == "cuda":
        torch.cuda.synchronize()
for _ in range(2):
    step()
sync()
budget = float(opts.get("seconds") or 1.0)
steps, start = 0, time.perf_counter()
while True:
    step()
    steps += 1
    if steps % 5 == 0:
        sync()
        if time.perf_counter() - start >= budget:
            break
elapsed = time.perf_counter() - start
flops_per_token = 6 * (3 * D * D + D * D + 8 * D * D + D * V) + 12 * 1 * D * T
tokens = steps * B * T
sys.stdout.write(json.dumps({"tokens_per_s": tokens / elapsed, "flops_per_s": tokens * flops_per_token / elapsed,
    "steps": steps, "seconds": elapsed, "threads": threads, "device": device, "flops_per_token": flops_per_token,
    "torch": str(torch.__version__)}) + "\\n")
sys.stdout.flush()
os._exit(0)
`;

export interface Calibration {
  tokensPerS: number;
  flopsPerS: number;
  steps: number;
  seconds: number;
  threads: number;
  device: string;
  /** Wall time of the whole calibration (interpreter, torch import, measurement). */
  ms: number;
}

export interface CalibrationOptions {
  passthrough: Record<string, string>;
  pythonUserBase?: string | null;
  /** Per-task threads (several slots share the CPU); null: every usable core, as one slot's task gets. */
  threads: number | null;
  device: 'cpu' | 'cuda' | null;
  /** Seconds of measured steps (after the torch import and two warm-up steps). */
  seconds?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

function positive(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** Runs the calibration in a scrubbed environment like a task's; an error says why it could not. */
export async function calibrate(executable: string, options: CalibrationOptions): Promise<Calibration | { error: string }> {
  const started = performance.now();
  const home = await mkdtemp(path.join(os.tmpdir(), 'xeenet-calibrate-'));
  try {
    await mkdir(path.join(home, 'tmp'), { recursive: true });
    const env = taskEnvironment({ passthrough: options.passthrough, workDir: home, threads: options.threads, pythonUserBase: options.pythonUserBase });
    const args = JSON.stringify({ threads: options.threads, device: options.device, seconds: options.seconds ?? 1 });
    const result = await run(executable, ['-c', CALIBRATION_SOURCE, args], { timeoutMs: options.timeoutMs ?? 60_000, env, cwd: home, signal: options.signal });
    const line = result.stdout.trim().split('\n').pop() ?? '';
    let raw: Record<string, unknown> = {};
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      const detail = (result.stderr || result.error?.message || 'no output').trim().split('\n').slice(-2).join(' | ');
      return { error: `the calibration did not report (exit ${result.code ?? 'signal'}): ${detail}` };
    }
    const tokensPerS = positive(raw.tokens_per_s);
    const flopsPerS = positive(raw.flops_per_s);
    if (!tokensPerS || !flopsPerS) return { error: `the calibration reported no speed: ${line.slice(0, 200)}` };
    return {
      tokensPerS,
      flopsPerS,
      steps: Number(raw.steps),
      seconds: Number(raw.seconds),
      threads: Number(raw.threads),
      device: String(raw.device),
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
