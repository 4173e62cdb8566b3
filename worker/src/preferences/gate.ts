// Whether the worker takes work now: samples the machine every few seconds, asks shouldRun, and
// tells its listeners when the answer changes (the worker pauses or resumes its slot loops).
import type { Logger } from '../log.ts';
import { type MachineSignals, type RunDecision, shouldRun } from './decide.ts';
import type { SignalReport, SignalSampler } from './signals.ts';
import type { PreferenceStore } from './store.ts';
import type { UsageStore } from './usage.ts';

export interface RunGateOptions {
  store: PreferenceStore;
  usage: UsageStore;
  /** Null: no machine signals (simulating in tests); every signal reads as unavailable. */
  sampler: SignalSampler | null;
  log: Logger;
  intervalMs?: number;
  now?: () => Date;
}

const NO_SIGNALS: MachineSignals = { onBattery: null, inputIdleS: null, cpu: null };

export class RunGate {
  private readonly options: RunGateOptions;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(decision: RunDecision, previous: RunDecision) => void>();
  decision: RunDecision;

  constructor(options: RunGateOptions) {
    this.options = options;
    this.decision = this.compute();
    options.store.onChange(() => this.evaluate());
  }

  get signals(): SignalReport | null {
    return this.options.sampler?.report ?? null;
  }

  /** Samples once, then every intervalMs (default 5 s). */
  async start(): Promise<void> {
    const before = this.decision;
    await this.tick();
    // Say why from the start, not only at a change (a change was said by evaluate()).
    if (!this.decision.run && this.decision.code === before.code) this.options.log.info(`pausing: ${this.decision.reason}`, { code: this.decision.code, whenRunning: this.decision.whenRunning });
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  onChange(listener: (decision: RunDecision, previous: RunDecision) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Decides again from the latest samples (after a preference change or a task's end). */
  evaluate(): RunDecision {
    const previous = this.decision;
    const next = this.compute();
    this.decision = next;
    if (next.run !== previous.run || next.code !== previous.code) {
      if (next.run) this.options.log.info('resuming: taking tasks again', { was: previous.code });
      else this.options.log.info(`pausing: ${next.reason}`, { code: next.code, whenRunning: next.whenRunning });
      for (const listener of [...this.listeners]) listener(next, previous);
    }
    return next;
  }

  private async tick(): Promise<void> {
    await this.options.sampler?.sample().catch(() => null);
    this.evaluate();
  }

  private compute(): RunDecision {
    const now = (this.options.now ?? (() => new Date()))();
    const signals = this.options.sampler?.report ?? NO_SIGNALS;
    return shouldRun(this.options.store.preferences, signals, now, this.options.usage.today(now));
  }
}
