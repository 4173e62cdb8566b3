// What text can be stored. PostgreSQL refuses the NUL character (U+0000) in text and JSON, and
// JSON with an unpaired surrogate, so every string a caller sends must be free of both. Output
// the worker captures from a script is made safe instead (NUL becomes U+FFFD), so a script that
// prints a NUL can never make its own report unstorable.
import { MAX_JSON_DEPTH, MAX_REASON_CHARS, MAX_TAIL_BYTES } from './limits.ts';

/** A rule broken at a place in an input: path [] is the input itself. */
export interface Problem {
  path: string[];
  message: string;
}

export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
export const SURROGATE_MESSAGE = 'must be valid Unicode text (it holds an unpaired surrogate)';
const REPLACEMENT = '\uFFFD';

/** Why a string cannot be stored, or null when it can. */
export function stringProblem(text: string): string | null {
  if (text.includes('\0')) return NUL_MESSAGE;
  if (!text.isWellFormed()) return SURROGATE_MESSAGE;
  return null;
}

/**
 * Every string and object key in a JSON-like value that cannot be stored, plus nesting deeper
 * than MAX_JSON_DEPTH. Walks iteratively, so hostile nesting cannot exhaust the stack; stops
 * after `limit` problems.
 */
export function textProblems(value: unknown, limit = 20): Problem[] {
  const problems: Problem[] = [];
  const pending: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (pending.length && problems.length < limit) {
    const { value: current, path } = pending.pop()!;
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem) problems.push({ path, message: problem });
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (path.length >= MAX_JSON_DEPTH) {
      problems.push({ path, message: `nests deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    const entries = Array.isArray(current) ? current.map((item, index) => [String(index), item] as const) : Object.entries(current);
    // Pushed in reverse, so that values are visited in document order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      const keyProblem = Array.isArray(current) ? null : stringProblem(key);
      if (keyProblem) {
        problems.push({ path, message: `has a key ${JSON.stringify(key)} that ${keyProblem}` });
        continue;
      }
      pending.push({ value: item, path: [...path, key] });
    }
  }
  return problems.slice(0, limit);
}

/** "metrics.history.3" with keys that would not print safely shown as JSON strings. */
export function formatPath(path: readonly string[]): string {
  return path.map((key) => (/^[\w-]+$/.test(key) ? key : JSON.stringify(key))).join('.');
}

/** UTF-8 length of a string, without encoding it (unpaired surrogates count as U+FFFD: 3 bytes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Captured text made storable: NUL and unpaired surrogates become U+FFFD. */
export function storableText(text: string): string {
  return text.replaceAll('\0', REPLACEMENT).toWellFormed();
}

/**
 * An output tail as the worker sends it: storable, and its last `maxBytes` UTF-8 bytes at most,
 * starting on a whole character (replacing NUL adds two bytes per NUL, so it is cut again).
 */
export function reportableTail(text: string, maxBytes = MAX_TAIL_BYTES): string {
  const safe = storableText(text);
  if (utf8Length(safe) <= maxBytes) return safe;
  let bytes = 0;
  let start = safe.length;
  while (start > 0) {
    const low = safe.charCodeAt(start - 1);
    const pair = (low & 0xfc00) === 0xdc00 && start > 1 && (safe.charCodeAt(start - 2) & 0xfc00) === 0xd800;
    const width = pair ? 4 : low < 0x80 ? 1 : low < 0x800 ? 2 : 3;
    if (bytes + width > maxBytes) break;
    bytes += width;
    start -= pair ? 2 : 1;
  }
  return safe.slice(start);
}

/** A failure reason as the worker sends it: storable, at most `maxChars`, marked with … when cut. */
export function reportableReason(text: string, maxChars = MAX_REASON_CHARS): string {
  const safe = storableText(text);
  if (safe.length <= maxChars) return safe;
  let end = Math.max(0, maxChars - 1);
  // Never cut between the two halves of a surrogate pair.
  if (end > 0 && (safe.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
  return `${safe.slice(0, end)}…`;
}
