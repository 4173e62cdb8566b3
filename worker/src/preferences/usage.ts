// Today's usage (tasks and task time, per local day) and the all-time total, kept in the state
// folder (usage.json) so a daily cap survives a restart.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';
import type { Usage } from './decide.ts';

interface UsageFile {
  day: string;
  tasksToday: number;
  secondsToday: number;
  totalTasks: number;
  totalSeconds: number;
}

/** The local calendar day of `now`, "YYYY-MM-DD". */
export function localDay(now: Date): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

export class UsageStore {
  readonly file: string;
  private data: UsageFile = { day: '', tasksToday: 0, secondsToday: 0, totalTasks: 0, totalSeconds: 0 };
  private writing: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'usage.json');
  }

  async load(): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch(() => null);
    if (!text) return;
    try {
      const parsed = JSON.parse(text) as Partial<UsageFile>;
      const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
      this.data = {
        day: typeof parsed.day === 'string' ? parsed.day : '',
        tasksToday: number(parsed.tasksToday),
        secondsToday: number(parsed.secondsToday),
        totalTasks: number(parsed.totalTasks),
        totalSeconds: number(parsed.totalSeconds),
      };
    } catch {
      // A damaged file starts the count again rather than stopping the worker.
    }
  }

  today(now = new Date()): Usage {
    if (this.data.day !== localDay(now)) return { tasksToday: 0, secondsToday: 0 };
    return { tasksToday: this.data.tasksToday, secondsToday: this.data.secondsToday };
  }

  get totals(): { tasks: number; seconds: number } {
    return { tasks: this.data.totalTasks, seconds: this.data.totalSeconds };
  }

  /** Counts one task run (in memory at once, on disk shortly after). */
  record(seconds: number, now = new Date()): void {
    const day = localDay(now);
    const today = this.today(now);
    const wall = Math.max(0, seconds);
    this.data = {
      day,
      tasksToday: today.tasksToday + 1,
      secondsToday: today.secondsToday + wall,
      totalTasks: this.data.totalTasks + 1,
      totalSeconds: this.data.totalSeconds + wall,
    };
    const snapshot = JSON.stringify(this.data);
    this.writing = this.writing.then(() => writeFileAtomic(this.file, `${snapshot}\n`)).catch(() => {});
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
