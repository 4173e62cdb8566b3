// The search-space editor's model: rows the form edits, converted to and from the JSON the API
// takes ({"lr": {"type": "loguniform", "low": 3e-4, "high": 3e-3}, "n_head": 4, ...}).
// Conversion is lossless for valid spaces and deliberately forgiving for invalid input: a value
// that is not a number is sent as typed, so the API's field-level error explains what is wrong.

export const PARAM_TYPES = ['constant', 'choice', 'uniform', 'loguniform', 'int'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export interface ParamRow {
  /** Stable identity for React while the name is being edited. */
  key: string;
  name: string;
  type: ParamType;
  /** constant: the value as typed. */
  value: string;
  /** choice: values separated by commas. */
  values: string;
  low: string;
  high: string;
  /** int: step (optional, default 1). */
  step: string;
  /** uniform/loguniform: grid points (optional; needed for the GRID strategy). */
  points: string;
}

let nextKey = 0;
export function newRowKey(): string {
  nextKey += 1;
  return `param-${nextKey}`;
}

export function emptyRow(type: ParamType = 'uniform'): ParamRow {
  return { key: newRowKey(), name: '', type, value: '', values: '', low: '', high: '', step: '', points: '' };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A scalar as the user would type it back: strings that look like numbers keep their quotes. */
export function scalarToText(value: unknown): string {
  if (typeof value === 'string') {
    return looksLikeNonString(value) || value.includes(',') || value !== value.trim() ? JSON.stringify(value) : value;
  }
  if (value === undefined) return '';
  return JSON.stringify(value);
}

function looksLikeNonString(text: string): boolean {
  const trimmed = text.trim();
  return trimmed === 'true' || trimmed === 'false' || trimmed === 'null' || (trimmed !== '' && Number.isFinite(Number(trimmed)));
}

/** Typed text to a JSON scalar: numbers, true/false/null, "quoted" strings, else the bare text. */
export function textToScalar(text: string): string | number | boolean | null {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (trimmed === 'null') return null;
  if (trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // fall through to the bare text
    }
  }
  return trimmed;
}

/** Splits "a, b, "c, d"" on commas outside double quotes. */
export function splitValues(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (char === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (char === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function numberText(value: unknown): string {
  return value === undefined || value === null ? '' : typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** The API's JSON to editor rows; unknown shapes become constants the user can see and fix. */
export function rowsFromSpace(space: unknown): ParamRow[] {
  if (!isObject(space)) return [];
  return Object.entries(space).map(([name, spec]) => {
    const row = { ...emptyRow(), name };
    if (!isObject(spec)) return { ...row, type: 'constant' as const, value: scalarToText(spec) };
    const type = spec.type;
    if (type === 'choice' && Array.isArray(spec.values)) {
      return { ...row, type: 'choice' as const, values: spec.values.map(scalarToText).join(', ') };
    }
    if (type === 'uniform' || type === 'loguniform') {
      return { ...row, type, low: numberText(spec.low), high: numberText(spec.high), points: numberText(spec.points) };
    }
    if (type === 'int') {
      return { ...row, type: 'int' as const, low: numberText(spec.low), high: numberText(spec.high), step: numberText(spec.step) };
    }
    return { ...row, type: 'constant' as const, value: JSON.stringify(spec) };
  });
}

/** A number field: blank is left out, a number is a number, anything else goes as typed. */
function numberField(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : trimmed;
}

function withDefined(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

export function specFromRow(row: ParamRow): unknown {
  switch (row.type) {
    case 'constant':
      return textToScalar(row.value);
    case 'choice':
      return { type: 'choice', values: splitValues(row.values).map(textToScalar) };
    case 'uniform':
    case 'loguniform':
      return withDefined([
        ['type', row.type],
        ['low', numberField(row.low)],
        ['high', numberField(row.high)],
        ['points', numberField(row.points)],
      ]);
    case 'int':
      return withDefined([
        ['type', 'int'],
        ['low', numberField(row.low)],
        ['high', numberField(row.high)],
        ['step', numberField(row.step)],
      ]);
  }
}

export function spaceFromRows(rows: readonly ParamRow[]): Record<string, unknown> {
  return Object.fromEntries(rows.filter((row) => row.name.trim() !== '').map((row) => [row.name.trim(), specFromRow(row)]));
}

/** Problems the API cannot report because they never reach it (blank or repeated names). */
export function localRowErrors(rows: readonly ParamRow[]): Map<string, string> {
  const errors = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.name.trim(), (counts.get(row.name.trim()) ?? 0) + 1);
  for (const row of rows) {
    const name = row.name.trim();
    if (name === '') errors.set(row.key, 'Give the parameter a name, or remove the row.');
    else if ((counts.get(name) ?? 0) > 1) errors.set(row.key, `Another parameter is also called "${name}"; names must be unique.`);
  }
  return errors;
}
