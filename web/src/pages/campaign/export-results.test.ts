import { describe, expect, it } from 'vitest';
import { exportFileName, type ExportTask, resultsTable, toCsv, toTsv } from './export-results';

const tasks: ExportTask[] = [
  {
    id: 't1',
    index: 1,
    status: 'FAILED',
    mark: 'CRASH',
    description: 'raise lr: the loss was still falling',
    parentId: 't0',
    role: 'EXPLORE',
    budgetScale: 1,
    valBpb: null,
    simulated: false,
    attempts: 3,
    config: { lr: 0.01, note: 'a "quoted", value' },
    worker: { name: 'box,1' },
    result: null,
    failureReason: 'exited 1:\ntraceback',
  },
  {
    id: 't0',
    index: 0,
    status: 'SUCCEEDED',
    mark: 'KEEP',
    description: null,
    parentId: null,
    role: 'EXPLORE',
    budgetScale: 3,
    valBpb: 2.3456,
    simulated: true,
    attempts: 1,
    config: { lr: 0.001, schedule: 'cosine' },
    worker: { name: 'laptop' },
    result: { steps: 120, wallS: 2.7, trainLoss: 1.6 },
    failureReason: null,
  },
];

describe('results export', () => {
  it('has one row per task in index order, then one column per config key', () => {
    const table = resultsTable(tasks);
    expect(table.header).toEqual([
      'index', 'status', 'val_bpb', 'train_loss', 'steps', 'wall_s', 'simulated', 'worker', 'attempts', 'failure_reason',
      'mark', 'description', 'parent', 'role', 'budget_scale', 'lr', 'note', 'schedule',
    ]);
    expect(table.rows[0]).toEqual(['0', 'succeeded', '2.3456', '1.6', '120', '2.7', 'true', 'laptop', '1', '', 'keep', '', '', 'explore', '3', '0.001', '', 'cosine']);
    expect(table.rows[1]!.slice(0, 3)).toEqual(['1', 'failed', '']);
    // The campaign loop's columns, as autoresearch's results.tsv has them: the parent by its index.
    expect(table.rows[1]!.slice(10, 15)).toEqual(['crash', 'raise lr: the loss was still falling', '0', 'explore', '1']);
  });

  it('writes TSV without tabs or line breaks inside values', () => {
    const tsv = toTsv(resultsTable(tasks));
    const lines = tsv.replace(/\n$/, '').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.split('\t').length === 18)).toBe(true);
    expect(lines[2]).toContain('exited 1: traceback');
  });

  it('writes RFC 4180 CSV: quotes commas, quotes and line breaks, doubles quotes', () => {
    const csv = toCsv(resultsTable(tasks));
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv).toContain('"box,1"');
    expect(csv).toContain('"a ""quoted"", value"');
    expect(csv).toContain('"exited 1:\ntraceback"');
  });

  it('names files after the campaign', () => {
    expect(exportFileName('LR sweep: cosine/linear!', 'tsv')).toBe('lr-sweep-cosine-linear-results.tsv');
    expect(exportFileName('???', 'csv')).toBe('campaign-results.csv');
  });
});
