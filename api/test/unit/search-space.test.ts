import { describe, expect, it } from 'vitest';
import { parseSearchSpace } from '../../src/modules/campaigns/search-space.ts';

function errorsOf(input: unknown) {
  const result = parseSearchSpace(input);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('parseSearchSpace', () => {
  it('accepts every distribution and constants', () => {
    const result = parseSearchSpace({
      lr: { type: 'loguniform', low: 1e-4, high: 1e-2, points: 5 },
      dropout: { type: 'uniform', low: 0, high: 0.3 },
      n_layer: { type: 'int', low: 1, high: 8, step: 1 },
      schedule: { type: 'choice', values: ['cosine', 'linear', null, true, 3] },
      n_head: 4,
      tag: 'baseline',
      compile: false,
      extra: null,
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.space.names).toEqual(['compile', 'dropout', 'extra', 'lr', 'n_head', 'n_layer', 'schedule', 'tag']);
  });

  it('names an unknown distribution and where it is', () => {
    expect(errorsOf({ lr: { type: 'gaussian', mean: 0.1 } })).toEqual([
      { path: ['searchSpace', 'lr', 'type'], message: 'unknown distribution "gaussian"; expected one of choice, uniform, loguniform, int' },
    ]);
  });

  it('rejects non-finite bounds (NaN, Infinity, strings) per field', () => {
    const errors = errorsOf({
      a: { type: 'uniform', low: Number.NaN, high: 1 },
      b: { type: 'uniform', low: 0, high: Number.POSITIVE_INFINITY },
      c: { type: 'loguniform', low: 'NaN', high: 1 },
    });
    expect(errors).toEqual([
      { path: ['searchSpace', 'a', 'low'], message: 'must be a finite number, got NaN' },
      { path: ['searchSpace', 'b', 'high'], message: 'must be a finite number, got Infinity' },
      { path: ['searchSpace', 'c', 'low'], message: 'must be a finite number, got "NaN"' },
    ]);
  });

  it('checks ranges, steps and log bounds', () => {
    expect(errorsOf({ a: { type: 'uniform', low: 1, high: 1 } })[0]).toEqual({ path: ['searchSpace', 'a', 'high'], message: 'must be greater than low (1)' });
    expect(errorsOf({ a: { type: 'loguniform', low: 0, high: 1 } })[0]!.message).toMatch(/greater than 0/);
    expect(errorsOf({ a: { type: 'int', low: 1.5, high: 3 } })[0]).toEqual({ path: ['searchSpace', 'a', 'low'], message: 'must be an integer' });
    expect(errorsOf({ a: { type: 'int', low: 1, high: 3, step: 0 } })[0]!.path).toEqual(['searchSpace', 'a', 'step']);
    expect(errorsOf({ a: { type: 'uniform', low: 0, high: 1, points: 1 } })[0]!.path).toEqual(['searchSpace', 'a', 'points']);
  });

  it('rejects empty choices, unknown keys, lists, objects and reserved names', () => {
    expect(errorsOf({ a: { type: 'choice', values: [] } })[0]!.message).toBe('must be a non-empty list');
    expect(errorsOf({ a: { type: 'choice', values: [{ nested: 1 }] } })[0]!.path).toEqual(['searchSpace', 'a', 'values', '0']);
    expect(errorsOf({ a: { type: 'uniform', low: 0, high: 1, log: true } })[0]!.path).toEqual(['searchSpace', 'a', 'log']);
    expect(errorsOf({ a: [1, 2] })[0]!.message).toMatch(/use \{"type": "choice"/);
    expect(errorsOf({ budget_s: 5 })[0]!.message).toMatch(/set by the platform/);
    expect(errorsOf({ 'bad-name': 1 })[0]!.message).toMatch(/identifiers/);
  });

  it('rejects a space that is not an object or is empty', () => {
    expect(errorsOf(null)[0]!.path).toEqual(['searchSpace']);
    expect(errorsOf([])[0]!.path).toEqual(['searchSpace']);
    expect(errorsOf({})[0]!.message).toBe('must define at least one parameter');
  });

  it('reports every problem at once', () => {
    expect(errorsOf({ a: { type: 'x' }, b: { type: 'int', low: 3, high: 1 }, c: 'ok' })).toHaveLength(2);
  });
});
