import { describe, expect, it } from 'vitest';
import { exportFileName, type ExportTask, resultsTable, toCsv, toTsv } from './export-results';

const tasks: ExportTask[] = [
  {
    index: 1,
    status: 'FAILED',
    valBpb: null,
    simulated: false,
    attempts: 3,
    config: { lr: 0.01, note: 'a "quoted", value' },
    worker: { name: 'box,1' },
    result: null,
    failureReason: 'exited 1:\ntraceback',
  },
  {
    index: 0,
    status: 'SUCCEEDED',
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
      'index', 'status', 'val_bpb', 'train_loss', 'steps', 'wall_s', 'simulated', 'worker', 'attempts', 'failure_reason', 'lr', 'note', 'schedule',
    ]);
    expect(table.rows[0]).toEqual(['0', 'succeeded', '2.3456', '1.6', '120', '2.7', 'true', 'laptop', '1', '', '0.001', '', 'cosine']);
    expect(table.rows[1]!.slice(0, 3)).toEqual(['1', 'failed', '']);
  });

  it('writes TSV without tabs or line breaks inside values', () => {
    const tsv = toTsv(resultsTable(tasks));
    const lines = tsv.replace(/\n$/, '').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.split('\t').length === 13)).toBe(true);
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
