// Results export: one row per task, like autoresearch's results.tsv, as TSV or RFC 4180 CSV.
import type { TaskRowFragment } from '../../gql/graphql';

/** The task table's rows (TaskRow), narrowed to what an export reads. */
export type ExportTask = Pick<
  TaskRowFragment,
  'id' | 'index' | 'status' | 'valBpb' | 'simulated' | 'attempts' | 'config' | 'worker' | 'result' | 'failureReason' | 'mark' | 'description' | 'parentId' | 'role' | 'budgetScale'
>;

/** The campaign loop's columns come last: `parent` is the parent task's index, `mark` keep / discard / crash. */
export const FIXED_COLUMNS = [
  'index',
  'status',
  'val_bpb',
  'train_loss',
  'steps',
  'wall_s',
  'simulated',
  'worker',
  'attempts',
  'failure_reason',
  'mark',
  'description',
  'parent',
  'role',
  'budget_scale',
] as const;

function configOf(task: ExportTask): Record<string, unknown> {
  return typeof task.config === 'object' && task.config !== null && !Array.isArray(task.config) ? (task.config as Record<string, unknown>) : {};
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Header and rows, tasks in index order, one column per config key seen in any task. */
export function resultsTable(tasks: readonly ExportTask[]): { header: string[]; rows: string[][] } {
  const keys = new Set<string>();
  for (const task of tasks) for (const key of Object.keys(configOf(task))) keys.add(key);
  const configKeys = [...keys].sort();
  const indexOf = new Map(tasks.map((task) => [task.id, task.index]));
  const header = [...FIXED_COLUMNS, ...configKeys.map((key) => (FIXED_COLUMNS as readonly string[]).includes(key) ? `config.${key}` : key)];
  const rows = [...tasks]
    .sort((a, b) => a.index - b.index)
    .map((task) => {
      const config = configOf(task);
      return [
        cell(task.index),
        task.status.toLowerCase(),
        cell(task.valBpb),
        cell(task.result?.trainLoss),
        cell(task.result?.steps),
        cell(task.result?.wallS),
        cell(task.simulated),
        cell(task.worker?.name),
        cell(task.attempts),
        cell(task.failureReason),
        task.mark ? task.mark.toLowerCase() : '',
        cell(task.description),
        cell(task.parentId ? indexOf.get(task.parentId) : null),
        task.role.toLowerCase(),
        cell(task.budgetScale),
        ...configKeys.map((key) => cell(config[key])),
      ];
    });
  return { header, rows };
}

/** Tab-separated; tabs and line breaks inside values become spaces (TSV has no quoting). */
export function toTsv(table: { header: string[]; rows: string[][] }): string {
  const clean = (value: string) => value.replace(/[\t\r\n]+/g, ' ');
  return [table.header, ...table.rows].map((row) => row.map(clean).join('\t')).join('\n') + '\n';
}

/** RFC 4180: fields with commas, quotes, line breaks or edge spaces are quoted, quotes doubled. */
export function toCsv(table: { header: string[]; rows: string[][] }): string {
  const quote = (value: string) => (/[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return [table.header, ...table.rows].map((row) => row.map(quote).join(',')).join('\r\n') + '\r\n';
}

/** A file name from the campaign name: letters, digits, dashes. */
export function exportFileName(campaignName: string, extension: 'tsv' | 'csv'): string {
  const slug = campaignName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'campaign'}-results.${extension}`;
}

export function download(fileName: string, text: string, mediaType: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mediaType};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
