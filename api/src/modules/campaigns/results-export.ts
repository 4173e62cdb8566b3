// A campaign's results as autoresearch's results.tsv has them (one row per experiment: what ran,
// what it scored, keep / discard / crash, what changed), plus XeeNet's provenance columns, as TSV,
// CSV or JSON. Rows in task order, so a parent always comes before the tasks derived from it.
import type { TaskMark, TaskRole, TaskStatus } from '../../db/entities/task.entity.ts';
import { canonical } from './sampler.ts';

export interface ResultRow {
  taskId: string;
  /** The task's index in its campaign: the "task" column. */
  task: number;
  parentTaskId: string | null;
  /** The parent's index: the "parent" column. */
  parent: number | null;
  description: string | null;
  config: Record<string, unknown>;
  seed: number;
  budgetS: number;
  budgetScale: number;
  role: TaskRole;
  valBpb: number | null;
  status: TaskStatus;
  mark: TaskMark | null;
  /** The index of the task the mark compared against. */
  against: number | null;
  simulated: boolean;
  finishedAt: Date | null;
}

export const EXPORT_FORMATS = ['tsv', 'csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Column name → cell text; autoresearch's results.tsv has commit, val_bpb, memory_gb, status, description. */
export const EXPORT_COLUMNS: readonly [string, (row: ResultRow) => string][] = [
  ['task', (row) => String(row.task)],
  ['parent', (row) => (row.parent === null ? '' : String(row.parent))],
  ['val_bpb', (row) => (row.valBpb === null ? '' : row.valBpb.toFixed(6))],
  ['mark', (row) => row.mark ?? ''],
  ['status', (row) => row.status],
  ['description', (row) => row.description ?? ''],
  ['config', (row) => JSON.stringify(canonical(row.config))],
  ['seed', (row) => String(row.seed)],
  ['budget_s', (row) => String(row.budgetS)],
  ['budget_scale', (row) => String(row.budgetScale)],
  ['role', (row) => row.role],
  ['against', (row) => (row.against === null ? '' : String(row.against))],
  ['simulated', (row) => String(row.simulated)],
  ['finished_at', (row) => row.finishedAt?.toISOString() ?? ''],
];

function tsvCell(text: string): string {
  // Descriptions are single lines already; a tab or newline would shift the columns.
  return text.replace(/[\t\r\n]+/g, ' ');
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatResults(rows: readonly ResultRow[], format: ExportFormat): string {
  if (format === 'json') {
    return JSON.stringify(
      rows.map((row) => ({
        task: row.task,
        task_id: row.taskId,
        parent: row.parent,
        parent_task_id: row.parentTaskId,
        val_bpb: row.valBpb,
        mark: row.mark,
        status: row.status,
        description: row.description,
        config: canonical(row.config),
        seed: row.seed,
        budget_s: row.budgetS,
        budget_scale: row.budgetScale,
        role: row.role,
        against: row.against,
        simulated: row.simulated,
        finished_at: row.finishedAt?.toISOString() ?? null,
      })),
    );
  }
  const cell = format === 'tsv' ? tsvCell : csvCell;
  const separator = format === 'tsv' ? '\t' : ',';
  const lines = [EXPORT_COLUMNS.map(([name]) => name).join(separator)];
  for (const row of rows) lines.push(EXPORT_COLUMNS.map(([, value]) => cell(value(row))).join(separator));
  return `${lines.join('\n')}\n`;
}
