import { describe, expect, it } from 'vitest';
import { localRowErrors, rowsFromSpace, spaceFromRows, splitValues, textToScalar } from './search-space';

const SPACE = {
  lr: { type: 'loguniform', low: 3e-4, high: 3e-3 },
  schedule: { type: 'choice', values: ['cosine', 'linear'] },
  n_layer: { type: 'int', low: 1, high: 4, step: 1 },
  dropout: { type: 'uniform', low: 0, high: 0.2, points: 3 },
  n_head: 4,
  tie: true,
  label: '42',
};

describe('search space rows', () => {
  it('round-trips every distribution and constant losslessly', () => {
    expect(spaceFromRows(rowsFromSpace(SPACE))).toEqual(SPACE);
  });

  it('keeps what is not a number as typed, so the API can say what is wrong', () => {
    const [row] = rowsFromSpace({ lr: { type: 'uniform', low: 1, high: 2 } });
    expect(spaceFromRows([{ ...row!, low: 'abc', high: '' }])).toEqual({ lr: { type: 'uniform', low: 'abc' } });
  });

  it('parses scalars: numbers, booleans, null, quoted strings', () => {
    expect(textToScalar('3e-4')).toBe(3e-4);
    expect(textToScalar('true')).toBe(true);
    expect(textToScalar('null')).toBeNull();
    expect(textToScalar('"4"')).toBe('4');
    expect(textToScalar('cosine')).toBe('cosine');
  });

  it('splits choices on commas outside quotes', () => {
    expect(splitValues('a, "b, c", 3')).toEqual(['a', '"b, c"', '3']);
    expect(spaceFromRows(rowsFromSpace({ x: { type: 'choice', values: ['a,b', 1, 'x'] } }))).toEqual({ x: { type: 'choice', values: ['a,b', 1, 'x'] } });
  });

  it('reports blank and duplicate names', () => {
    const rows = rowsFromSpace({ a: 1, b: 2 });
    const errors = localRowErrors([...rows, { ...rows[0]!, key: 'dup' }, { ...rows[1]!, key: 'blank', name: ' ' }]);
    expect(errors.get('dup')).toMatch(/also called "a"/);
    expect(errors.get('blank')).toMatch(/Give the parameter a name/);
    expect(errors.has(rows[1]!.key)).toBe(false);
  });
});
