// Logging: one JSON object per line when the output is not a terminal (for log collectors and the
// benchmark), short human lines on a terminal (printed above the live status lines).
import type { LogLevel } from './settings.ts';

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  (line: string): void;
}

export interface LoggerOptions {
  format: 'json' | 'pretty';
  level: LogLevel;
  sink: LogSink;
  color?: boolean;
}

/** Epoch milliseconds with sub-millisecond precision (for measuring gaps between subprocesses). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function errorFields(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

function prettyValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value);
}

const COLORS: Record<LogLevel, string> = { debug: '\x1b[2m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

export function createLogger(options: LoggerOptions, bound: Fields = {}): Logger {
  const threshold = LEVELS[options.level];
  const write = (level: LogLevel, msg: string, fields: Fields = {}) => {
    if (LEVELS[level] < threshold) return;
    const all: Fields = { ...bound, ...fields };
    for (const [key, value] of Object.entries(all)) {
      if (value === undefined) delete all[key];
      else all[key] = errorFields(value);
    }
    if (options.format === 'json') {
      options.sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }));
      return;
    }
    const time = new Date().toTimeString().slice(0, 8);
    const label = options.color ? `${COLORS[level]}${level.padEnd(5)}\x1b[0m` : level.padEnd(5);
    const extra = Object.entries(all)
      .map(([key, value]) => `${key}=${prettyValue(value)}`)
      .join(' ');
    options.sink(`${time} ${label} ${msg}${extra ? `  ${extra}` : ''}`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (library use and tests). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
