// A result's hardware class: what must match for two runs of one task to be bit-identical
// (training-scripts README, "Replay spread"): device type, torch build, and on CPU the thread
// count and the CPU kernels (ATen's capability, OpenBLAS's core type). Derived here, and only here,
// from what the result line itself reports: verification picks its replay tolerance from the
// parsed class, stats and the dashboard show its label (wall-budget results compare only within one).

/** What a replay's outcome depends on besides the config, seed and step count. */
export interface HardwareClass {
  device: string | null;
  torch: string | null;
  /** torch's ATen capability and OpenBLAS's core type, e.g. "AVX2/Cooperlake". */
  kernels: string | null;
  threads: number | null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}

/** The class of a result line (device, torch_version, cpu_kernels, num_threads); the replay object wins (it is what a replay copies). */
export function parseHardwareClass(metrics: Record<string, unknown> | null | undefined): HardwareClass {
  const line = metrics ?? {};
  const replay = record(line.replay) ?? {};
  const kernels = record(line.cpu_kernels);
  return {
    device: (text(replay.device) ?? text(line.device))?.toLowerCase().split(':')[0] ?? null,
    torch: text(line.torch_version),
    kernels: kernels ? `${text(kernels.aten) ?? '?'}/${text(kernels.openblas) ?? '?'}` : null,
    threads: positiveInt(replay.num_threads) ?? positiveInt(line.num_threads),
  };
}

/** A label part: no separator or runs of white space, bounded. */
function part(value: string, max: number): string {
  return value.replace(/[|\s]+/g, ' ').slice(0, max);
}

/**
 * The stored label: "cpu|torch 1.13.1|AVX2/Cooperlake|2 threads", "cuda|torch 2.4.0". Null when the
 * line does not say which device it ran on (a simulated or foreign result).
 */
export function hardwareClassOf(metrics: Record<string, unknown> | null | undefined): string | null {
  const hw = parseHardwareClass(metrics);
  if (!hw.device) return null;
  const parts = [part(hw.device, 60), hw.torch ? `torch ${part(hw.torch, 60)}` : 'torch ?'];
  if (hw.device === 'cpu') parts.push(part(hw.kernels ?? '?/?', 61), hw.threads ? `${hw.threads} threads` : '? threads');
  return parts.join('|');
}

/** The coarse class wall budgets are priced in and leased to. */
export function rateClassOfDevice(device: string | null | undefined): 'cpu' | 'gpu' {
  const type = (device ?? '').split(':')[0]!.toLowerCase();
  return type === 'cuda' || type === 'mps' ? 'gpu' : 'cpu';
}
