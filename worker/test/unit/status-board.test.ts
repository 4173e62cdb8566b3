import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatSlot, progressBar, StatusBoard } from '../../src/status-board.ts';

describe('status lines', () => {
  it('draws elapsed / budget as a bar with eighth blocks', () => {
    expect(progressBar(0, 8)).toBe('        ');
    expect(progressBar(0.5, 8)).toBe('████    ');
    expect(progressBar(0.5 + 1 / 64, 8)).toBe('████▏   ');
    expect(progressBar(2, 8)).toBe('████████');
  });

  it('shows progress, step and loss of a running slot, and the marker when simulated', () => {
    const view = { phase: 'running' as const, task: 'task #3 · try 1/3', startedAtMs: 1000, budgetS: 10, step: 42, loss: 1.23456 };
    expect(formatSlot(0, view, false, 6000)).toBe('slot 1 │██████████          │   5.0/10 s  step 42  loss 1.235  task #3 · try 1/3');
    expect(formatSlot(1, { phase: 'idle', note: 'no queued task; polling' }, true)).toBe('[SIMULATED] slot 2 idle      no queued task; polling');
  });

  it('prints log lines above the status lines and redraws them in place', () => {
    const out = Object.assign(new PassThrough(), { columns: 80, isTTY: true }) as unknown as NodeJS.WriteStream & PassThrough;
    let written = '';
    out.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const board = new StatusBoard(out, 1, { simulated: false, color: false });
    board.summary(() => 'http://x · connected');
    board.start();
    board.update(0, { phase: 'leasing' });
    board.print('a log line');
    board.stop();
    // First draw, then: cursor up 2 lines, clear, the log line, the redrawn block.
    expect(written).toBe(
      'slot 1 starting\nhttp://x · connected\n' +
        '\x1b[2A\r\x1b[Ja log line\nslot 1 leasing\nhttp://x · connected\n' +
        '\x1b[2A\r\x1b[Jslot 1 leasing\nhttp://x · connected\n',
    );
  });
});
