// Anonymous worker registration creates an account and a worker per call, so it is limited per
// client address and over all clients (BOINC-style open registration without a free-for-all).
// A per-address refusal consumes nothing of the server-wide bucket. If Redis fails, this replica
// falls back to its own buckets for that request rather than refusing every volunteer.
import type { Env } from '../../env.ts';
import { RateLimitedError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { type BucketSpec, type BucketStore, MemoryBuckets } from './token-bucket.ts';

export class RegistrationLimiter {
  private readonly store: BucketStore;
  private readonly fallback = new MemoryBuckets();
  private readonly perAddress: BucketSpec;
  private readonly global: BucketSpec;
  private readonly log: Logger | null;

  constructor(store: BucketStore, env: Env, log: Logger | null = null) {
    this.store = store;
    this.log = log;
    this.perAddress = { capacity: env.XEENET_REGISTRATION_PER_ADDRESS_BURST, refillPerS: env.XEENET_REGISTRATION_PER_ADDRESS_PER_HOUR / 3600 };
    this.global = { capacity: env.XEENET_REGISTRATION_GLOBAL_BURST, refillPerS: env.XEENET_REGISTRATION_GLOBAL_PER_HOUR / 3600 };
  }

  /** Throws RateLimitedError (with the delay) when this anonymous registration must wait. */
  async check(clientAddress: string | null): Promise<void> {
    const address = await this.take(`registration:address:${clientAddress ?? 'unknown'}`, this.perAddress);
    if (!address.allowed) throw new RateLimitedError('address', address.retryAfterS);
    const global = await this.take('registration:global', this.global);
    if (!global.allowed) throw new RateLimitedError('global', global.retryAfterS);
  }

  private async take(key: string, spec: BucketSpec) {
    try {
      return await this.store.take(key, spec);
    } catch (error) {
      this.log?.warn('rate-limit store failed; using this replica’s own bucket', { error: String(error) });
      return this.fallback.take(key, spec);
    }
  }
}
