// Looking into a worker's home folder: spool, task folders, credentials, cache; and processes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function spoolFiles(home: string): string[] {
  const dir = path.join(home, 'state', 'pending');
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.json') && !name.startsWith('.')) : [];
}

export function spoolEntries(home: string): Record<string, any>[] {
  return spoolFiles(home).map((file) => JSON.parse(readFileSync(path.join(home, 'state', 'pending', file), 'utf8')));
}

export function runDirs(home: string): string[] {
  const dir = path.join(home, 'state', 'runs');
  return existsSync(dir) ? readdirSync(dir) : [];
}

export function credentialsFile(home: string): string {
  return path.join(home, 'config', 'credentials.json');
}

export function artifactFile(home: string, sha256: string): string {
  return path.join(home, 'cache', 'artifacts', sha256);
}

/** Pids of live processes whose command line mentions text (Linux /proc). */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (cmdline.includes(text) && state !== 'Z') found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Pids of live (not zombie) processes in process group pgid (Linux /proc). */
export function processGroupMembers(pgid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // After "(comm)": state ppid pgrp …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Pids of every live (not zombie) process below pid, children first found first (Linux /proc). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const list = children.get(Number(ppid)) ?? [];
      list.push(Number(name));
      children.set(Number(ppid), list);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
