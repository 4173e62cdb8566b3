// Structured logs: one JSON object per line, so operators can grep and ship them. Every line
// written while a request (or a WebSocket operation) is being handled carries its ids, taken from
// the async context the HTTP server opens for it, so no logger has to be passed down by hand.
import { AsyncLocalStorage } from 'node:async_hooks';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The ids of the request being handled: requestId; for WebSocket operations also connectionId, operationId. */
export type LogContext = Record<string, string>;

const logContext = new AsyncLocalStorage<LogContext>();

/** Runs fn with these ids added to every log line it (and whatever it awaits) writes. */
export function withLogContext<T>(ids: LogContext, fn: () => T): T {
  return logContext.run({ ...logContext.getStore(), ...ids }, fn);
}

export function currentLogContext(): LogContext | undefined {
  return logContext.getStore();
}

export function createLogger(level: Level | 'silent', base: Record<string, unknown> = {}): Logger {
  const write = (at: Level, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...base, ...logContext.getStore(), ...fields });
    (at === 'error' || at === 'warn' ? process.stderr : process.stdout).write(line + '\n');
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
