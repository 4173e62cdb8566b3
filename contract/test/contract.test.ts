import { describe, expect, it } from 'vitest';
import {
  budgetProblems,
  checkReason,
  MAX_TAIL_BYTES,
  PROGRESS_CHECKS,
  reportableReason,
  reportableTail,
  resultLineProblems,
  resultProblems,
  textProblems,
  utf8Length,
} from '../src/index.ts';

const GOOD = { valBpb: 2.4, trainLoss: 1.6, steps: 120, wallS: 4.5 };

describe('result numbers', () => {
  it('accepts a real result', () => {
    expect(resultProblems(GOOD)).toEqual([]);
    expect(resultProblems({ ...GOOD, steps: 0, wallS: 0, trainLoss: 0, valBpb: 64 })).toEqual([]);
  });

  it('says what is wrong with each field, not only that it is required', () => {
    expect(resultProblems({ ...GOOD, steps: -5 })).toEqual([{ path: ['steps'], message: 'steps must be a non-negative integer, got -5' }]);
    expect(resultProblems({ ...GOOD, steps: 1.5 })[0]!.message).toBe('steps must be a non-negative integer, got 1.5');
    expect(resultProblems({ ...GOOD, steps: 2 ** 31 })[0]!.message).toBe('steps must be at most 2147483647, got 2147483648');
    expect(resultProblems({ ...GOOD, steps: undefined })[0]!.message).toBe('steps is required and must be a non-negative integer');
    expect(resultProblems({ ...GOOD, valBpb: null })[0]!.message).toBe('valBpb is required and must be a finite number');
    expect(resultProblems({ ...GOOD, valBpb: Number.NaN })[0]!.message).toBe('valBpb must be a finite number, got NaN');
    expect(resultProblems({ ...GOOD, valBpb: 0 })[0]!.message).toBe('valBpb must be positive, got 0');
    expect(resultProblems({ ...GOOD, valBpb: 100 })[0]!.message).toMatch(/^valBpb must be at most 64 bits per byte .*got 100$/);
    expect(resultProblems({ ...GOOD, trainLoss: -1 })[0]!.message).toBe('trainLoss cannot be negative, got -1');
    expect(resultProblems({ ...GOOD, wallS: Infinity })[0]!.message).toBe('wallS must be a finite number, got Infinity');
    expect(resultProblems({ ...GOOD, wallS: '3' })[0]!.message).toBe('wallS must be a finite number, got "3"');
    expect(resultProblems({}).map((p) => p.path[0])).toEqual(['valBpb', 'trainLoss', 'steps', 'wallS']);
  });

  it('refuses a val_bpb below the plausibility floor for natural text', () => {
    expect(resultProblems({ ...GOOD, valBpb: 0.49 })[0]!.message).toMatch(/^valBpb must be at least 0.5 bits per byte .*got 0.49$/);
    expect(resultProblems({ ...GOOD, valBpb: 0.5 })).toEqual([]);
  });

  it('refuses steps, tokens and wall time beyond what the task allows', () => {
    const task = { budgetS: 10, config: { max_steps: 100 } };
    expect(budgetProblems({ steps: 100, wallS: 40 }, task)).toEqual([]);
    expect(budgetProblems({ steps: 101, wallS: 40.5 }, task).map((p) => p.message)).toEqual([
      "steps cannot exceed the task's max_steps of 100, got 101",
      "wallS cannot exceed the task's cap of 40 s (budget_s 10 + 30), got 40.5",
    ]);
    const compute = { budgetS: 60, config: { budget_tokens: 10_240, batch_size: 8, block_size: 32 } };
    expect(budgetProblems({ steps: 40, wallS: 5, tokens: 10_240 }, compute)).toEqual([]);
    expect(budgetProblems({ steps: 41, wallS: 5, tokens: 10_496 }, compute).map((p) => p.path.join('.'))).toEqual(['steps', 'metrics.tokens']);
  });

  it('checks a script result line in its own spelling, wall_s optional, and its text', () => {
    const line = { type: 'result', val_bpb: 2.9, train_loss: 2.1, steps: 120 };
    expect(resultLineProblems(line)).toEqual([]);
    expect(resultLineProblems({ ...line, val_bpb: Infinity, steps: 1.5, train_loss: undefined })).toEqual([
      'val_bpb must be a finite number, got Infinity',
      'train_loss is required and must be a finite number',
      'steps must be a non-negative integer, got 1.5',
    ]);
    expect(resultLineProblems({ ...line, wall_s: -1 })).toEqual(['wall_s cannot be negative, got -1']);
    expect(resultLineProblems({ ...line, note: 'a\0b' })).toEqual(['note must not contain the NUL character (U+0000)']);
    expect(resultLineProblems({ ...line, ['k\0']: 1 })).toEqual(['the line has a key "k\\u0000" that must not contain the NUL character (U+0000)']);
  });
});

describe('text that can be stored', () => {
  it('finds NUL and unpaired surrogates in strings and keys, with their paths', () => {
    expect(textProblems({ a: 'fine', b: ['x', 'y\0'], c: { 'd\0': 1 }, e: '\ud800' })).toEqual([
      { path: ['b', '1'], message: 'must not contain the NUL character (U+0000)' },
      { path: ['c'], message: 'has a key "d\\u0000" that must not contain the NUL character (U+0000)' },
      { path: ['e'], message: 'must be valid Unicode text (it holds an unpaired surrogate)' },
    ]);
    expect(textProblems('\0')).toEqual([{ path: [], message: 'must not contain the NUL character (U+0000)' }]);
    expect(textProblems({ emoji: '😀', n: 1, nothing: null })).toEqual([]);
  });

  it('survives hostile nesting and caps the number of problems', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(textProblems(deep)).toEqual([{ path: Array(64).fill('0'), message: 'nests deeper than 64 levels' }]);
    expect(textProblems(Array(1000).fill('\0'))).toHaveLength(20);
  });

  it('makes output tails storable and keeps them within the byte limit', () => {
    expect(reportableTail('a\0b')).toBe('a\uFFFDb');
    const nuls = '\0'.repeat(MAX_TAIL_BYTES);
    const tail = reportableTail(nuls);
    expect(tail).toBe('\uFFFD'.repeat(Math.floor(MAX_TAIL_BYTES / 3)));
    expect(utf8Length(reportableTail(`x${'😀'.repeat(5000)}`))).toBeLessThanOrEqual(MAX_TAIL_BYTES);
    expect(reportableTail('😀😀', 5)).toBe('😀');
    expect(reportableTail('\ud800x')).toBe('\uFFFDx');
  });

  it('makes failure reasons storable and cuts them on a whole character', () => {
    expect(reportableReason('boom\0')).toBe('boom\uFFFD');
    expect(reportableReason('x'.repeat(3000))).toHaveLength(2000);
    expect(reportableReason(`${'x'.repeat(1998)}😀tail`)).toBe(`${'x'.repeat(1998)}…`);
  });

  it('counts UTF-8 bytes like an encoder', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'a\ud800b', '\udc00']) {
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});

describe('progress and reasons', () => {
  it('accepts absent progress fields and names bad ones', () => {
    expect(PROGRESS_CHECKS.step(null, 'step')).toBeNull();
    expect(PROGRESS_CHECKS.step(-1, 'step')).toBe('step must be a non-negative integer, got -1');
    expect(PROGRESS_CHECKS.elapsedS(-1, 'elapsedS')).toBe('elapsedS cannot be negative, got -1');
    expect(PROGRESS_CHECKS.message('x'.repeat(501), 'message')).toBe('message must be at most 500 characters, got 501');
    expect(PROGRESS_CHECKS.message('hi\0', 'message')).toBe('message must not contain the NUL character (U+0000)');
  });

  it('requires a storable reason', () => {
    expect(checkReason('  ', 'reason')).toBe('reason is required');
    expect(checkReason('crashed\0', 'reason')).toBe('reason must not contain the NUL character (U+0000)');
    expect(checkReason('x'.repeat(2001), 'reason')).toBe('reason must be at most 2000 characters, got 2001');
    expect(checkReason('crashed', 'reason')).toBeNull();
  });
});
