// The durable outbox: every result or failure is written here (atomically, fsynced) before it is
// sent, and deleted only once the API has acknowledged it. A worker that crashes, loses its
// network or is restarted replays what is left.
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { CompleteTaskInput, FailTaskInput } from './api/documents.ts';
import { ensurePrivateDir, writeFileAtomic } from './util/fs.ts';

export type SpoolReport = { kind: 'complete'; input: CompleteTaskInput } | { kind: 'fail'; input: FailTaskInput };

export interface SpoolEntry {
  version: 1;
  /** The server's base URL and this machine's worker id there: only they can deliver it. */
  server: string;
  workerId: string;
  taskId: string;
  leaseToken: string;
  createdAt: string;
  report: SpoolReport;
  /** Why a completion was turned into a failure (the API rejected its numbers), if it was. */
  note?: string;
}

export interface StoredEntry {
  file: string;
  entry: SpoolEntry;
}

const SAFE = /^[0-9A-Za-z_-]+$/;

export function entryFileName(entry: Pick<SpoolEntry, 'taskId' | 'leaseToken'>): string {
  const id = SAFE.test(entry.taskId) ? entry.taskId : Buffer.from(entry.taskId).toString('base64url');
  const token = SAFE.test(entry.leaseToken) ? entry.leaseToken : Buffer.from(entry.leaseToken).toString('base64url');
  return `${id}.${token}.json`;
}

export class Spool {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'pending');
  }

  /** Writes the entry durably; returns its file name. Rewriting the same task and lease replaces it. */
  async put(entry: SpoolEntry): Promise<string> {
    await ensurePrivateDir(this.dir);
    const file = entryFileName(entry);
    await writeFileAtomic(path.join(this.dir, file), `${JSON.stringify(entry)}\n`, 0o600);
    return file;
  }

  async remove(file: string): Promise<void> {
    await rm(path.join(this.dir, file), { force: true });
  }

  /** Every readable entry, oldest first; unreadable files are moved aside to pending/corrupt/. */
  async list(): Promise<StoredEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: StoredEntry[] = [];
    for (const file of names) {
      if (!file.endsWith('.json') || file.startsWith('.')) continue;
      try {
        const entry = JSON.parse(await readFile(path.join(this.dir, file), 'utf8')) as SpoolEntry;
        if (entry.version !== 1 || !entry.report || !entry.taskId) throw new Error('unknown format');
        entries.push({ file, entry });
      } catch {
        await ensurePrivateDir(path.join(this.dir, 'corrupt'));
        await rename(path.join(this.dir, file), path.join(this.dir, 'corrupt', file)).catch(() => {});
      }
    }
    return entries.sort((a, b) => a.entry.createdAt.localeCompare(b.entry.createdAt));
  }
}
