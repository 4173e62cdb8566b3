// A result's hardware class: what must match for two runs of one task to be bit-identical
// (training-scripts README, "Replay spread"): device type, torch build, and on CPU the thread
// count and the CPU kernels (ATen's capability, OpenBLAS's core type). Wall-budget results are
// comparable only within a class; the dashboard and stats say when a campaign mixes classes.

function text(value: unknown, max = 60): string | null {
  if (typeof value !== 'string') return null;
  const clean = value.trim().replace(/[|\s]+/g, ' ');
  return clean ? clean.slice(0, max) : null;
}

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * From a result line (the script's JSON, as metrics): "cpu|torch 1.13.1|AVX2/Cooperlake|2 threads",
 * "cuda|torch 2.4.0". The replay object wins over the top-level keys (it is what a replay copies).
 * Null when the line does not say which device it ran on (a simulated or foreign result).
 */
export function hardwareClassOf(metrics: Record<string, unknown> | null | undefined): string | null {
  if (!metrics) return null;
  const replay = (typeof metrics.replay === 'object' && metrics.replay !== null ? metrics.replay : {}) as Record<string, unknown>;
  const device = text(replay.device) ?? text(metrics.device);
  if (!device) return null;
  const deviceType = device.split(':')[0]!.toLowerCase();
  const torch = text(metrics.torch_version);
  const parts = [deviceType, torch ? `torch ${torch}` : 'torch ?'];
  if (deviceType === 'cpu') {
    const kernels = (typeof metrics.cpu_kernels === 'object' && metrics.cpu_kernels !== null ? metrics.cpu_kernels : {}) as Record<string, unknown>;
    parts.push(`${text(kernels.aten, 30) ?? '?'}/${text(kernels.openblas, 30) ?? '?'}`);
    const threads = positiveInt(replay.num_threads) ?? positiveInt(metrics.num_threads);
    parts.push(threads ? `${threads} threads` : '? threads');
  }
  return parts.join('|');
}

/** The coarse class wall budgets are priced in and leased to. */
export function rateClassOfDevice(device: string | null | undefined): 'cpu' | 'gpu' {
  const type = (device ?? '').split(':')[0]!.toLowerCase();
  return type === 'cuda' || type === 'mps' ? 'gpu' : 'cpu';
}
