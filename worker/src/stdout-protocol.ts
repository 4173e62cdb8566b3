// The stdout protocol of a training script: JSON lines, `progress` lines first, then exactly one
// `result` (or `error`) line; anything else is garbage. Pure: classification and parsing.
const MAX_LINE_BYTES = 1024 * 1024;

export interface Progress {
  step: number | null;
  trainLoss: number | null;
  elapsedS: number | null;
}

export type LineKind = 'progress' | 'result' | 'error' | 'garbage';

function finiteOrNull(value: unknown, min = -Infinity): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= min ? value : null;
}

/** The progress fields the API accepts, from a script's progress line; junk becomes null. */
export function parseProgress(line: Record<string, unknown>): Progress {
  const step = finiteOrNull(line.step, 0);
  return {
    step: step !== null && Number.isInteger(step) && step <= 2 ** 31 - 1 ? step : null,
    trainLoss: finiteOrNull(line.train_loss),
    elapsedS: finiteOrNull(line.elapsed_s, 0),
  };
}

/** Classifies one stdout line; objects with type progress/result/error are protocol lines. */
export function classifyLine(text: string): { kind: LineKind; value: Record<string, unknown> | null } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'garbage', value: null };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'garbage', value: null };
  const type = (value as { type?: unknown }).type;
  if (type === 'progress' || type === 'result' || type === 'error') return { kind: type, value: value as Record<string, unknown> };
  return { kind: 'garbage', value: null };
}

/** Splits a byte stream into lines; a line over 1 MiB is dropped and reported once. */
export class LineSplitter {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private overlong = false;
  private readonly onLine: (line: string) => void;
  private readonly onOverlong: () => void;

  constructor(onLine: (line: string) => void, onOverlong: () => void) {
    this.onLine = onLine;
    this.onOverlong = onOverlong;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, index);
      if (this.overlong) {
        this.overlong = false;
        this.onOverlong();
      } else {
        this.onLine(Buffer.concat([...this.partial, piece]).toString('utf8'));
      }
      this.partial = [];
      this.partialBytes = 0;
      start = index + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length && !this.overlong) {
      this.partial.push(rest);
      this.partialBytes += rest.length;
      if (this.partialBytes > MAX_LINE_BYTES) {
        this.overlong = true;
        this.partial = [];
        this.partialBytes = 0;
      }
    }
  }

  /** The last line, if the stream ended without a newline. */
  flush(): void {
    if (this.partial.length && !this.overlong) this.onLine(Buffer.concat(this.partial).toString('utf8'));
    this.partial = [];
    this.partialBytes = 0;
  }
}
