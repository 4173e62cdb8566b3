// The progress bar: one redrawn line on a terminal, a plain line per change elsewhere (logs, CI).

import type { CampaignProgressSubscription } from './gql/graphql.ts';

/** The task counts the bar shows: CampaignStats as the subscription selects it. */
export type Counts = Omit<CampaignProgressSubscription['campaignUpdated']['stats'], '__typename'>;

const WIDTH = 30;

export function progressLine(counts: Counts, elapsedS: number): string {
  const done = counts.succeeded + counts.failed + counts.cancelled;
  const filled = counts.total ? Math.round((done / counts.total) * WIDTH) : 0;
  const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
  const best = counts.bestValBpb === null ? '' : `  best ${counts.bestValBpb.toFixed(4)}`;
  return `[${bar}] ${done}/${counts.total} done · ${counts.leased} running · ${counts.queued} queued${counts.failed ? ` · ${counts.failed} failed` : ''}${best}  ${elapsedS.toFixed(0)} s`;
}

export class ProgressView {
  private last = '';
  private drawn = false;
  private readonly out: NodeJS.WritableStream;
  private readonly interactive: boolean;

  constructor(out: NodeJS.WritableStream, interactive: boolean) {
    this.out = out;
    this.interactive = interactive;
  }

  private lastKey = '';

  /** Redraws the bar; without a terminal, prints it only when key (the counts) changed. */
  update(line: string, key: string): void {
    if (line === this.last) return;
    this.last = line;
    if (this.interactive) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else if (key !== this.lastKey) this.out.write(`${line}\n`);
    this.lastKey = key;
  }

  /** Prints a line above the bar (a task finished) and redraws the bar under it. */
  note(line: string): void {
    if (this.interactive && this.drawn) this.out.write(`\r\x1b[2K${line}\n${this.last}`);
    else this.out.write(`${line}\n`);
  }

  end(): void {
    if (this.interactive && this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
