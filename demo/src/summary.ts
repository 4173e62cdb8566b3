// The campaign summary the published XeeNet sample shows, computed from the finished tasks alone
// (pure, so it is tested without a platform).

export interface FinishedTask {
  index: number;
  status: string;
  config: unknown;
  valBpb: number | null;
  steps: number | null;
  wallS: number | null;
}

export interface DemoSummary {
  completed: number;
  failed: number;
  total: number;
  best_val_bpb: number | null;
  best_task: number | null;
  mean_val_bpb: number | null;
  /** Sample standard deviation (n - 1), as the dashboard's; null below two results. */
  std_val_bpb: number | null;
  distinct_configs: number;
  best_steps: number | null;
  wall_s_per_task: number | null;
}

/** JSON with sorted keys, so two equal configs compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

export function summarize(tasks: FinishedTask[]): DemoSummary {
  const succeeded = tasks.filter((task) => task.status === 'SUCCEEDED' && task.valBpb !== null);
  const scores = succeeded.map((task) => task.valBpb!);
  const best = succeeded.reduce<FinishedTask | null>((found, task) => (found === null || task.valBpb! < found.valBpb! ? task : found), null);
  const average = scores.length ? mean(scores) : null;
  const std = scores.length >= 2 ? Math.sqrt(scores.reduce((sum, v) => sum + (v - average!) ** 2, 0) / (scores.length - 1)) : null;
  const walls = succeeded.map((task) => task.wallS).filter((wall): wall is number => wall !== null);
  return {
    completed: succeeded.length,
    failed: tasks.filter((task) => task.status === 'FAILED').length,
    total: tasks.length,
    best_val_bpb: best?.valBpb ?? null,
    best_task: best?.index ?? null,
    mean_val_bpb: average,
    std_val_bpb: std,
    distinct_configs: new Set(tasks.map((task) => canonical(task.config))).size,
    best_steps: best?.steps ?? null,
    wall_s_per_task: walls.length ? mean(walls) : null,
  };
}

const fixed = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));

export function summaryLines(summary: DemoSummary, campaignWallS: number): string[] {
  return [
    `  tasks completed     ${summary.completed} / ${summary.total}${summary.failed ? ` (${summary.failed} failed)` : ''}`,
    `  best val_bpb        ${fixed(summary.best_val_bpb, 4)}${summary.best_task === null ? '' : ` (task ${summary.best_task})`}`,
    `  std of val_bpb      ${fixed(summary.std_val_bpb, 4)}   (mean ${fixed(summary.mean_val_bpb, 4)})`,
    `  distinct configs    ${summary.distinct_configs}`,
    `  steps (best run)    ${summary.best_steps ?? '–'}`,
    `  wall time per task  ${fixed(summary.wall_s_per_task, 1)} s   (campaign ${campaignWallS.toFixed(0)} s)`,
  ];
}
