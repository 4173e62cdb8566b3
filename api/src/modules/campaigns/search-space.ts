// Search spaces: the JSON a brief carries, validated into a typed form with field-level errors.
import type { FieldError } from '../../errors.ts';

export type Scalar = string | number | boolean | null;

export type Parameter =
  | { type: 'constant'; value: Scalar }
  | { type: 'choice'; values: Scalar[] }
  | { type: 'uniform' | 'loguniform'; low: number; high: number; points: number | null }
  | { type: 'int'; low: number; high: number; step: number };

/** Parameters keyed by name, names sorted so every consumer walks them in one canonical order. */
export interface SearchSpace {
  names: string[];
  params: Record<string, Parameter>;
}

export const DISTRIBUTIONS = ['choice', 'uniform', 'loguniform', 'int'] as const;
/** Keys the platform sets itself on every task; a brief may not override them. */
export const RESERVED_KEYS = ['budget_s', 'budget_tokens', 'budget_flops', 'seed', 'dataset_path', 'device', 'num_threads', 'max_steps'] as const;

export const LIMITS = {
  maxParameters: 64,
  maxChoices: 1000,
  maxGridPoints: 1000,
  maxStringLength: 200,
  maxIntValues: 1_000_000,
};

const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ALLOWED_KEYS: Record<(typeof DISTRIBUTIONS)[number], string[]> = {
  choice: ['type', 'values'],
  uniform: ['type', 'low', 'high', 'points'],
  loguniform: ['type', 'low', 'high', 'points'],
  int: ['type', 'low', 'high', 'step'],
};

export type SearchSpaceResult = { ok: true; space: SearchSpace } | { ok: false; errors: FieldError[] };

export function parseSearchSpace(input: unknown, basePath: string[] = ['searchSpace']): SearchSpaceResult {
  const errors: FieldError[] = [];
  const fail = (path: string[], message: string) => errors.push({ path: [...basePath, ...path], message });

  if (!isPlainObject(input)) {
    fail([], 'must be a JSON object mapping parameter names to distributions or constants');
    return { ok: false, errors };
  }
  const names = Object.keys(input).sort();
  if (names.length === 0) fail([], 'must define at least one parameter');
  if (names.length > LIMITS.maxParameters) fail([], `at most ${LIMITS.maxParameters} parameters are allowed`);

  const params: Record<string, Parameter> = {};
  for (const name of names.slice(0, LIMITS.maxParameters)) {
    if (!NAME_PATTERN.test(name)) {
      fail([name], 'parameter names must be identifiers: letters, digits and _, at most 64 characters');
      continue;
    }
    if ((RESERVED_KEYS as readonly string[]).includes(name)) {
      fail([name], `"${name}" is set by the platform on every task and cannot be searched`);
      continue;
    }
    const parsed = parseParameter(input[name], (path, message) => fail([name, ...path], message));
    if (parsed) params[name] = parsed;
  }
  return errors.length ? { ok: false, errors } : { ok: true, space: { names, params } };
}

function parseParameter(value: unknown, fail: (path: string[], message: string) => void): Parameter | null {
  if (!isPlainObject(value)) {
    if (Array.isArray(value)) {
      fail([], 'a list is ambiguous: use {"type": "choice", "values": [...]} to search over it');
      return null;
    }
    const scalar = checkScalar(value, [], fail);
    return scalar.ok ? { type: 'constant', value: scalar.value } : null;
  }
  const type = value.type;
  if (typeof type !== 'string' || !(DISTRIBUTIONS as readonly string[]).includes(type)) {
    const shown = typeof type === 'string' ? `"${type}"` : JSON.stringify(type) ?? 'nothing';
    fail(['type'], `unknown distribution ${shown}; expected one of ${DISTRIBUTIONS.join(', ')}`);
    return null;
  }
  const distribution = type as (typeof DISTRIBUTIONS)[number];
  let ok = true;
  for (const key of Object.keys(value)) {
    if (!ALLOWED_KEYS[distribution].includes(key)) {
      fail([key], `unknown key for a ${distribution} distribution; allowed: ${ALLOWED_KEYS[distribution].join(', ')}`);
      ok = false;
    }
  }

  if (distribution === 'choice') {
    const values = value.values;
    if (!Array.isArray(values) || values.length === 0) {
      fail(['values'], 'must be a non-empty list');
      return null;
    }
    if (values.length > LIMITS.maxChoices) {
      fail(['values'], `at most ${LIMITS.maxChoices} choices are allowed`);
      return null;
    }
    const checked: Scalar[] = [];
    values.forEach((item, index) => {
      const scalar = checkScalar(item, ['values', String(index)], fail);
      if (scalar.ok) checked.push(scalar.value);
      else ok = false;
    });
    return ok ? { type: 'choice', values: checked } : null;
  }

  const low = checkNumber(value.low, ['low'], fail);
  const high = checkNumber(value.high, ['high'], fail);
  if (low === null || high === null) return null;

  if (distribution === 'int') {
    if (!Number.isSafeInteger(low)) return fail(['low'], 'must be an integer'), null;
    if (!Number.isSafeInteger(high)) return fail(['high'], 'must be an integer'), null;
    if (low > high) return fail(['high'], `must be at least low (${low})`), null;
    let step = 1;
    if (value.step !== undefined) {
      const raw = checkNumber(value.step, ['step'], fail);
      if (raw === null) return null;
      if (!Number.isSafeInteger(raw) || raw < 1) return fail(['step'], 'must be a positive integer'), null;
      step = raw;
    }
    if (Math.floor((high - low) / step) + 1 > LIMITS.maxIntValues) {
      return fail(['high'], `the range may hold at most ${LIMITS.maxIntValues} values`), null;
    }
    return ok ? { type: 'int', low, high, step } : null;
  }

  if (!(low < high)) return fail(['high'], `must be greater than low (${low})`), null;
  if (distribution === 'loguniform' && low <= 0) return fail(['low'], 'must be greater than 0 for a loguniform distribution'), null;
  let points: number | null = null;
  if (value.points !== undefined) {
    const raw = checkNumber(value.points, ['points'], fail);
    if (raw === null) return null;
    if (!Number.isInteger(raw) || raw < 2 || raw > LIMITS.maxGridPoints) {
      return fail(['points'], `must be an integer from 2 to ${LIMITS.maxGridPoints}`), null;
    }
    points = raw;
  }
  return ok ? { type: distribution, low, high, points } : null;
}

function checkNumber(value: unknown, path: string[], fail: (path: string[], message: string) => void): number | null {
  if (value === undefined) {
    fail(path, 'is required');
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(path, `must be a finite number, got ${describe(value)}`);
    return null;
  }
  return value;
}

function checkScalar(
  value: unknown,
  path: string[],
  fail: (path: string[], message: string) => void,
): { ok: true; value: Scalar } | { ok: false } {
  if (value === null || typeof value === 'boolean') return { ok: true, value };
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return { ok: true, value };
    fail(path, `must be a finite number, got ${describe(value)}`);
    return { ok: false };
  }
  if (typeof value === 'string') {
    if (value.length <= LIMITS.maxStringLength) return { ok: true, value };
    fail(path, `strings may be at most ${LIMITS.maxStringLength} characters`);
    return { ok: false };
  }
  fail(path, `must be a number, string, boolean or null, got ${describe(value)}`);
  return { ok: false };
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json && json.length <= 40 ? json : typeof value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
