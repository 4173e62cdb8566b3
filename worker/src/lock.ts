// One worker per state folder: two workers sharing a spool and an identity would report each
// other's tasks. The lock file holds the owner's pid; a lock left by a dead process is taken over.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir } from './util/fs.ts';

export class LockedError extends Error {
  override name = 'LockedError';
  readonly pid: number;
  readonly file: string;
  constructor(pid: number, file: string) {
    super(`another xeenet-worker (pid ${pid}) is running with this state folder; stop it first, or use another --home (lock: ${file})`);
    this.pid = pid;
    this.file = file;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Lock {
  file: string;
  release(): Promise<void>;
}

export async function acquireLock(stateDir: string): Promise<Lock> {
  await ensurePrivateDir(stateDir);
  const file = path.join(stateDir, 'worker.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return {
        file,
        release: async () => {
          const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
          if (owner === process.pid) await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) throw new LockedError(owner, file);
      await rm(file, { force: true });
    }
  }
  throw new Error(`cannot take the lock ${file}`);
}
