// This machine's training speed as the API knows it: the calibration at start, then refreshed
// from real compute tasks (their result line's tokens_per_s or model_flops_per_s, in the unit the
// task's budget counts, smoothed). Sent with reportWorkerSpeed after each (re)connection while
// unsent, and again when a task moved it by more than 10%. A refusal is logged and not retried.
import { type ApiClient, ServerError, TokenRejectedError } from './api/client.ts';
import { describeError, isSuccess, type Lease, REPORT_WORKER_SPEED } from './api/documents.ts';
import type { Logger } from './log.ts';

export interface Speed {
  tokensPerS: number | null;
  flopsPerS: number | null;
  source: 'CALIBRATION' | 'TASKS';
}

/** How much of a new task's throughput goes into the estimate (the rest is history). */
const SMOOTHING = 0.5;
const RESEND_CHANGE = 0.1;

function positive(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** The estimate after one task: the unit its compute budget counts, from its result line. */
export function refreshedSpeed(speed: Speed | null, lease: Pick<Lease, 'budget'>, metrics: Record<string, unknown>): Speed | null {
  const unit = lease.budget?.kind === 'COMPUTE' ? lease.budget.unit : null;
  const measured = unit === 'TOKENS' ? positive(metrics.tokens_per_s) : unit === 'FLOPS' ? positive(metrics.model_flops_per_s) : null;
  if (!unit || measured == null) return null;
  const key = unit === 'TOKENS' ? 'tokensPerS' : 'flopsPerS';
  const previous = speed?.[key] ?? null;
  // The first real task replaces the calibration's guess for its unit outright.
  const value = previous == null || speed?.source === 'CALIBRATION' ? measured : previous * (1 - SMOOTHING) + measured * SMOOTHING;
  return { tokensPerS: speed?.tokensPerS ?? null, flopsPerS: speed?.flopsPerS ?? null, [key]: value, source: 'TASKS' };
}

function changed(a: Speed | null, b: Speed): boolean {
  if (!a) return true;
  const moved = (x: number | null, y: number | null) => (x == null) !== (y == null) || (x != null && y != null && Math.abs(y - x) > RESEND_CHANGE * x);
  return moved(a.tokensPerS, b.tokensPerS) || moved(a.flopsPerS, b.flopsPerS);
}

export class SpeedReporter {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private current: Speed | null;
  private sent: Speed | null = null;
  private inflight: Promise<void> | null = null;
  private refused = false;

  constructor(options: { client: ApiClient; log: Logger; calibration: Speed | null }) {
    this.client = options.client;
    this.log = options.log;
    this.current = options.calibration;
  }

  get speed(): Speed | null {
    return this.current;
  }

  /** After a completed task: refresh the estimate and send it when it moved. */
  observe(lease: Pick<Lease, 'budget'>, metrics: Record<string, unknown>): void {
    const next = refreshedSpeed(this.current, lease, metrics);
    if (!next) return;
    this.current = next;
    if (this.client.connected) void this.send();
  }

  /** Settles once a report in flight has been answered (leasing waits for it: the cap follows it). */
  async settled(): Promise<void> {
    await this.inflight;
  }

  /** Sends the estimate when the server does not have it yet (called after every connection too). */
  send(): Promise<void> {
    const speed = this.current;
    if (!speed || this.inflight || this.refused || (this.sent && !changed(this.sent, speed) && this.sent.source === speed.source)) {
      return this.inflight ?? Promise.resolve();
    }
    // Set before the first await, so a lease asked for right after a connection waits for it.
    this.inflight = this.deliver(speed).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async deliver(speed: Speed): Promise<void> {
    try {
      const { reportWorkerSpeed } = await this.client.request(REPORT_WORKER_SPEED, { input: speed }, 10_000);
      if (isSuccess(reportWorkerSpeed)) {
        this.sent = speed;
        this.log.info('reported this machine’s training speed', { ...speed });
      } else {
        this.refused = true;
        this.log.warn('the server refused this machine’s speed', { error: describeError(reportWorkerSpeed) });
      }
    } catch (error) {
      if (error instanceof ServerError || error instanceof TokenRejectedError) {
        this.refused = true;
        this.log.warn('the server cannot take this machine’s speed (an older API?); compute tasks get their full cap', { error: error.message });
      }
    }
  }
}
