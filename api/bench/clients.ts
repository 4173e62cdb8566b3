// What the benchmarks share: GraphQL over HTTP and over graphql-ws, process CPU and memory from
// /proc, percentiles.
import { readdirSync, readFileSync } from 'node:fs';
import type { Client } from 'graphql-ws';
import type pg from 'pg';

export const REGISTER = `mutation ($input: RegisterWorkerInput!) { registerWorker(input: $input) { ... on MutationRegisterWorkerSuccess { data { token } } } }`;
export const SUBMIT = `mutation ($input: SubmitBriefInput!) { submitBrief(input: $input) { __typename ... on Error { message } } }`;

export async function http(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export function op(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    let result: Record<string, any> | undefined;
    client.subscribe(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) reject(new Error(JSON.stringify(value.errors)));
          result = value.data as Record<string, any>;
        },
        error: reject,
        complete: () => (result ? resolve(result) : reject(new Error('no result'))),
      },
    );
  });
}

/** Registers `count` workers, `batch` at a time; `urlFor(i)` picks the replica for worker i. */
export async function registerWorkers(count: number, urlFor: (i: number) => string, batch = 25): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i += batch) {
    const done = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, (_, j) =>
        http(urlFor(i + j), REGISTER, { input: { name: `bench-${i + j}`, hardware: { cpu: 'benchmark client' } } }),
      ),
    );
    tokens.push(...done.map((data) => data.registerWorker.data.token as string));
  }
  return tokens;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); null elsewhere. */
export function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Resident memory of a process in bytes, from /proc (Linux); null elsewhere. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds used by every PostgreSQL server process (they are named "postgres: ..."). */
export function postgresCpuSeconds(): number | null {
  try {
    let total = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (cmd.startsWith('postgres')) total += cpuSeconds(Number(entry)) ?? 0;
    }
    return total;
  } catch {
    return null;
  }
}

/** CPU seconds of this database's server backends (other databases on the server are someone else's load). */
export async function backendCpu(db: pg.Client, name: string): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [name]);
  return new Map(rows.flatMap((row) => {
    const cpu = cpuSeconds(row.pid);
    return cpu === null ? [] : [[row.pid, cpu] as [number, number]];
  }));
}

/** CPU the backends alive at both ends used in between (a backend that came or went in between is not counted). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) if (before.has(pid)) total += cpu - before.get(pid)!;
  return total;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
