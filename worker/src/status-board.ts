// The live view on a terminal: one status line per slot (progress bar of elapsed / budget, step,
// loss) under the scrolling log, redrawn a few times a second.
import { nowMs } from './log.ts';

export type SlotPhase = 'starting' | 'idle' | 'leasing' | 'preparing' | 'running' | 'reporting' | 'stopping' | 'stopped';

export interface SlotView {
  phase: SlotPhase;
  /** Short task label, e.g. "task #12 · try 1/3". */
  task?: string;
  startedAtMs?: number;
  budgetS?: number;
  step?: number | null;
  loss?: number | null;
  note?: string;
}

export interface StatusView {
  update(slot: number, view: SlotView): void;
  /** The line under the slots, computed at every redraw. */
  summary(text: () => string): void;
}

const BAR_WIDTH = 20;
const PARTIALS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A progress bar of fraction (0..1) drawn with eighth blocks. */
export function progressBar(fraction: number, width = BAR_WIDTH): string {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(clamped * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = PARTIALS[eighths % 8] ?? '';
  return `${'█'.repeat(full)}${partial}`.padEnd(width, ' ');
}

/** One slot's line, without colours. */
export function formatSlot(index: number, view: SlotView, simulated: boolean, now = nowMs()): string {
  const head = `${simulated ? '[SIMULATED] ' : ''}slot ${index + 1}`;
  if (view.phase !== 'running' || view.startedAtMs === undefined || !view.budgetS) {
    return `${head} ${view.phase.padEnd(10)}${[view.task, view.note].filter(Boolean).join('  ')}`.trimEnd();
  }
  const elapsed = Math.max(0, (now - view.startedAtMs) / 1000);
  const parts = [
    `${head} │${progressBar(elapsed / view.budgetS)}│ ${elapsed.toFixed(1).padStart(5)}/${view.budgetS} s`,
    view.step != null ? `step ${view.step}` : 'step –',
    view.loss != null ? `loss ${view.loss.toFixed(3)}` : 'loss –',
    view.task ?? '',
  ];
  return `${parts.filter(Boolean).join('  ')}${view.note ? `  ${view.note}` : ''}`;
}

export class StatusBoard implements StatusView {
  private readonly out: NodeJS.WriteStream;
  private readonly views: SlotView[];
  private readonly simulated: boolean;
  private readonly color: boolean;
  private summaryText: () => string = () => '';
  private drawn = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(out: NodeJS.WriteStream, slots: number, options: { simulated: boolean; color: boolean }) {
    this.out = out;
    this.views = Array.from({ length: slots }, () => ({ phase: 'starting' as const }));
    this.simulated = options.simulated;
    this.color = options.color;
  }

  start(): void {
    this.timer = setInterval(() => this.render(), 250);
    this.timer.unref();
    this.render();
  }

  /** Final redraw, then leaves the lines in place. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
    this.draw(true);
    this.drawn = 0;
  }

  update(slot: number, view: SlotView): void {
    this.views[slot] = view;
  }

  summary(text: () => string): void {
    this.summaryText = text;
  }

  /** Prints a log line above the status lines. */
  print(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
    this.draw();
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private draw(force = false): void {
    if (!this.timer && !force) return;
    // A pseudo-terminal without a size reports 0 columns: assume a common width then.
    const width = Math.max(20, (this.out.columns || 100) - 1);
    const lines = this.views.map((view, index) => {
      const text = formatSlot(index, view, this.simulated).slice(0, width);
      return this.color && this.simulated ? `\x1b[33m${text}\x1b[0m` : text;
    });
    const summary = this.summaryText().slice(0, width);
    if (summary) lines.push(this.color ? `\x1b[2m${summary}\x1b[0m` : summary);
    this.out.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }

  private render(): void {
    this.clear();
    this.draw();
  }
}
