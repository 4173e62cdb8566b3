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

/** The speed plus which units real tasks have measured yet (the calibration's guess goes at the first). */
export interface SpeedEstimate extends Speed {
  measured?: { tokens: boolean; flops: boolean };
}

/** How much of a new task's throughput goes into the estimate (the rest is history). */
const SMOOTHING = 0.5;
const RESEND_CHANGE = 0.1;

function positive(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/**
 * Seconds a compute task should take at this speed: its training plus a start-up and evaluation
 * allowance. Null for wall tasks and units without a figure (their budgetS is their length).
 */
export function expectedSeconds(speed: Speed | null, lease: Pick<Lease, 'budget'>): number | null {
  const budget = lease.budget;
  if (budget?.kind !== 'COMPUTE' || budget.amount == null) return null;
  const perS = budget.unit === 'TOKENS' ? speed?.tokensPerS : budget.unit === 'FLOPS' ? speed?.flopsPerS : null;
  return perS ? (budget.amount / perS) * 1.2 + 2 : null;
}

/** The estimate after one task: the unit its compute budget counts, from its result line. */
export function refreshedSpeed(speed: SpeedEstimate | null, lease: Pick<Lease, 'budget'>, metrics: Record<string, unknown>): SpeedEstimate | null {
  const unit = lease.budget?.kind === 'COMPUTE' ? lease.budget.unit : null;
  const value = unit === 'TOKENS' ? positive(metrics.tokens_per_s) : unit === 'FLOPS' ? positive(metrics.model_flops_per_s) : null;
  if (!unit || value == null) return null;
  const key = unit === 'TOKENS' ? 'tokensPerS' : 'flopsPerS';
  const seen = unit === 'TOKENS' ? 'tokens' : 'flops';
  const measured = { tokens: speed?.measured?.tokens ?? false, flops: speed?.measured?.flops ?? false };
  const previous = measured[seen] ? (speed?.[key] ?? null) : null;
  // The first real task of a unit replaces the calibration's guess for it outright.
  const next = previous == null ? value : previous * (1 - SMOOTHING) + value * SMOOTHING;
  return { tokensPerS: speed?.tokensPerS ?? null, flopsPerS: speed?.flopsPerS ?? null, [key]: next, source: 'TASKS', measured: { ...measured, [seen]: true } };
}

function changed(a: Speed | null, b: Speed): boolean {
  if (!a) return true;
  const moved = (x: number | null, y: number | null) => (x == null) !== (y == null) || (x != null && y != null && Math.abs(y - x) > RESEND_CHANGE * x);
  return moved(a.tokensPerS, b.tokensPerS) || moved(a.flopsPerS, b.flopsPerS);
}

export class SpeedReporter {
  private readonly client: ApiClient;
  private readonly log: Logger;
  private current: SpeedEstimate | null;
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
      const input = { tokensPerS: speed.tokensPerS, flopsPerS: speed.flopsPerS, source: speed.source };
      const { reportWorkerSpeed } = await this.client.request(REPORT_WORKER_SPEED, { input }, 10_000);
      if (isSuccess(reportWorkerSpeed)) {
        this.sent = speed;
        this.log.info('reported this machine’s training speed', input);
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
