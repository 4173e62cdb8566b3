// Adaptive replication (BOINC): who must be checked, how often, and the daily quota.
import { Prng } from '../campaigns/prng.ts';

export interface ReputationFacts {
  consecutiveValid: number;
  trusted: boolean;
}

export interface ReplicationSettings {
  /** XEENET_TRUST_AFTER_VALID */
  trustAfterValid: number;
  /** XEENET_REPLICATION_CV: an established worker's results are spot-checked with probability 1/CV. */
  cv: number;
  /** XEENET_VERIFICATION_SEED */
  seed: number;
}

/** Established: an admin trusts it, or its last `trustAfterValid` results were all valid. */
export function isEstablished(worker: ReputationFacts, settings: Pick<ReplicationSettings, 'trustAfterValid'>): boolean {
  return worker.trusted || worker.consecutiveValid >= settings.trustAfterValid;
}

export type ReplicationReason = 'unproven worker' | 'new best' | 'spot check';

/**
 * Whether a result must be replayed elsewhere, and why. `drawKey` identifies the result stably
 * (campaign seed, task index, attempt), so the same runs draw the same spot checks.
 */
export function replicationReason(
  worker: ReputationFacts,
  wouldBeNewBest: boolean,
  drawKey: readonly number[],
  settings: ReplicationSettings,
): ReplicationReason | null {
  if (!isEstablished(worker, settings)) return 'unproven worker';
  if (wouldBeNewBest) return 'new best';
  return spotCheckDraw(drawKey, settings.seed) < 1 / settings.cv ? 'spot check' : null;
}

/** A uniform draw in [0, 1) from the key and the seed, the same on every machine. */
export function spotCheckDraw(key: readonly number[], seed: number): number {
  let mixed = seed >>> 0;
  for (const part of key) mixed = (Math.imul(mixed ^ (part >>> 0), 0x9e3779b1) + 0x7f4a7c15) >>> 0;
  return new Prng(mixed).nextFloat();
}

/** BOINC's max_jobs_per_day: doubles per valid result, halves per invalid one, within [1, cap]. */
export const MAX_DAILY_QUOTA = 1 << 20;

export function quotaAfter(current: number, valid: boolean): number {
  return valid ? Math.min(MAX_DAILY_QUOTA, current * 2) : Math.max(1, Math.floor(current / 2));
}
