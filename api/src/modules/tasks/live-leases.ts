// Heartbeats without a row write each. A worker beats every few seconds; the task row (lease expiry,
// progress) is written at most once per write interval, and the beats between only touch this
// store: in memory for one replica, in Redis (shared by every replica) with REDIS_URL.
//
// Two entries per live lease:
//   written  the lease as last written to the row (token, holder, expiry). While it is present a
//            heartbeat with the same claim is acknowledged without the database. It lives for the
//            write interval, measured from before the write was sent, which is shorter than the
//            lease TTL the write granted: whatever this store acknowledges, the row still covers,
//            so the reaper (which reads only the row) never expires a lease that is being kept.
//   progress the latest reported progress, stamped with the claim it came with; readers show it
//            only while the task row is leased to that same token and worker, so a stale entry
//            is harmless.
// The lifecycle forgets both when a lease ends (complete, fail, release, cancel, expire).
import { Redis } from 'ioredis';
import type { TaskProgress } from '../../db/entities/task.entity.ts';

export interface WrittenLease {
  token: string;
  workerId: string;
  campaignId: string;
  /** The row's lease_expires_at (epoch ms): what the reaper goes by. */
  expiresAt: number;
  /** The progress message last written: a new one (e.g. "training") is a milestone that is written at once. */
  message: string | null;
}

export interface LiveProgress {
  token: string;
  workerId: string;
  progress: TaskProgress | null;
  /** When the replica received the heartbeat (epoch ms). */
  heartbeatAt: number;
}

export interface LiveLeaseStore {
  /** Records a heartbeat's progress and returns the lease as last written, while one may skip the row write. */
  beat(taskId: string, live: LiveProgress): Promise<WrittenLease | null>;
  /** After a row write: heartbeats with this claim may skip the database for validMs. */
  written(taskId: string, lease: WrittenLease, validMs: number): Promise<void>;
  /** The lease ended (or its row is about to change under it): the next heartbeat goes to the database. */
  forget(taskIds: readonly string[]): Promise<void>;
  /** The latest progress per task, in the order asked. */
  progress(taskIds: readonly string[]): Promise<(LiveProgress | null)[]>;
  close(): Promise<void>;
}

interface Expiring<T> {
  value: T;
  until: number;
}

/** One replica's store; a monotonic clock measures validity, so wall-clock steps cannot extend it. */
export class MemoryLiveLeases implements LiveLeaseStore {
  private readonly leases = new Map<string, Expiring<WrittenLease>>();
  private readonly live = new Map<string, Expiring<LiveProgress>>();
  private readonly progressMs: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(progressMs: number) {
    this.progressMs = progressMs;
    // Leases that end without a transition here (another replica's, a crashed worker's) age out.
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, progressMs));
    this.sweeper.unref();
  }

  async beat(taskId: string, live: LiveProgress): Promise<WrittenLease | null> {
    const now = performance.now();
    this.live.set(taskId, { value: live, until: now + this.progressMs });
    const lease = this.leases.get(taskId);
    return lease && lease.until > now ? lease.value : null;
  }

  async written(taskId: string, lease: WrittenLease, validMs: number): Promise<void> {
    if (validMs <= 0) this.leases.delete(taskId);
    else this.leases.set(taskId, { value: lease, until: performance.now() + validMs });
  }

  async forget(taskIds: readonly string[]): Promise<void> {
    for (const id of taskIds) {
      this.leases.delete(id);
      this.live.delete(id);
    }
  }

  async progress(taskIds: readonly string[]): Promise<(LiveProgress | null)[]> {
    const now = performance.now();
    return taskIds.map((id) => {
      const entry = this.live.get(id);
      return entry && entry.until > now ? entry.value : null;
    });
  }

  get size(): number {
    return this.leases.size + this.live.size;
  }

  private sweep(): void {
    const now = performance.now();
    for (const map of [this.leases, this.live] as Map<string, Expiring<unknown>>[]) {
      for (const [id, entry] of map) if (entry.until <= now) map.delete(id);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.leases.clear();
    this.live.clear();
  }
}

/** Shared by every replica; Redis's own key expiry (PX) measures validity, so replicas' clocks need not agree. */
export class RedisLiveLeases implements LiveLeaseStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly progressMs: number;

  private constructor(redis: Redis, prefix: string, progressMs: number) {
    this.redis = redis;
    this.prefix = prefix;
    this.progressMs = progressMs;
  }

  static async connect(url: string, prefix: string, progressMs: number): Promise<RedisLiveLeases> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await redis.connect();
    return new RedisLiveLeases(redis, prefix, progressMs);
  }

  private leaseKey(taskId: string): string {
    return `${this.prefix}lease:${taskId}`;
  }

  private progressKey(taskId: string): string {
    return `${this.prefix}progress:${taskId}`;
  }

  async beat(taskId: string, live: LiveProgress): Promise<WrittenLease | null> {
    // One round trip: store the progress and read the written lease.
    const replies = await this.redis
      .pipeline()
      .set(this.progressKey(taskId), JSON.stringify(live), 'PX', Math.ceil(this.progressMs))
      .get(this.leaseKey(taskId))
      .exec();
    const [, lease] = replies?.[1] ?? [];
    return typeof lease === 'string' ? (JSON.parse(lease) as WrittenLease) : null;
  }

  async written(taskId: string, lease: WrittenLease, validMs: number): Promise<void> {
    if (validMs < 1) await this.redis.del(this.leaseKey(taskId));
    else await this.redis.set(this.leaseKey(taskId), JSON.stringify(lease), 'PX', Math.floor(validMs));
  }

  async forget(taskIds: readonly string[]): Promise<void> {
    if (!taskIds.length) return;
    await this.redis.del(...taskIds.flatMap((id) => [this.leaseKey(id), this.progressKey(id)]));
  }

  async progress(taskIds: readonly string[]): Promise<(LiveProgress | null)[]> {
    if (!taskIds.length) return [];
    const values = await this.redis.mget(...taskIds.map((id) => this.progressKey(id)));
    return values.map((value) => (value ? (JSON.parse(value) as LiveProgress) : null));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The store for this replica: Redis when the replicas share one, else memory. */
export function openLiveLeases(options: { redisUrl?: string; prefix: string; leaseTtlS: number }): Promise<LiveLeaseStore> {
  const progressMs = options.leaseTtlS * 1000;
  if (options.redisUrl) return RedisLiveLeases.connect(options.redisUrl, `${options.prefix}live:`, progressMs);
  return Promise.resolve(new MemoryLiveLeases(progressMs));
}

/**
 * How long after a row write heartbeats may skip the database: the configured interval, capped at
 * half the TTL. A worker beats at most every TTL/3 (worker/src/lease-keeper.ts), so the next write
 * comes at most TTL/2 + TTL/3 after the last one, before the TTL it granted runs out.
 */
export function heartbeatWriteIntervalMs(env: { XEENET_HEARTBEAT_WRITE_S: number; XEENET_LEASE_TTL_S: number }): number {
  return Math.min(env.XEENET_HEARTBEAT_WRITE_S, env.XEENET_LEASE_TTL_S / 2) * 1000;
}
