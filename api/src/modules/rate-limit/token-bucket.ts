// Token buckets: `capacity` requests at once, refilled at `refillPerS`. In memory for one
// process, or in Redis (one Lua script, atomic) so that every replica draws from the same bucket.
import type { Redis } from 'ioredis';

export interface BucketSpec {
  capacity: number;
  refillPerS: number;
}

export interface Take {
  allowed: boolean;
  /** Seconds until one token is back (0 when allowed). */
  retryAfterS: number;
}

export interface BucketStore {
  take(key: string, spec: BucketSpec, nowMs?: number): Promise<Take>;
}

/** The refill arithmetic both stores share (the Lua script below mirrors it). */
export function refill(tokens: number, updatedMs: number, nowMs: number, spec: BucketSpec): number {
  return Math.min(spec.capacity, tokens + (Math.max(0, nowMs - updatedMs) / 1000) * spec.refillPerS);
}

function retryAfter(tokens: number, spec: BucketSpec): number {
  return spec.refillPerS > 0 ? Math.max(1, Math.ceil((1 - tokens) / spec.refillPerS)) : 86_400;
}

const MAX_KEYS = 100_000;

export class MemoryBuckets implements BucketStore {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();

  async take(key: string, spec: BucketSpec, nowMs = Date.now()): Promise<Take> {
    const bucket = this.buckets.get(key);
    const tokens = bucket ? refill(bucket.tokens, bucket.updatedMs, nowMs, spec) : spec.capacity;
    const allowed = tokens >= 1;
    const left = allowed ? tokens - 1 : tokens;
    // Re-inserting keeps the map in least-recently-used order, so the oldest bucket goes first.
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: left, updatedMs: nowMs });
    if (this.buckets.size > MAX_KEYS) this.buckets.delete(this.buckets.keys().next().value!);
    return { allowed, retryAfterS: allowed ? 0 : retryAfter(left, spec) };
  }
}

const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ms')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - updated) / 1000 * rate)
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ms', tostring(now))
local ttl = 60
if rate > 0 then ttl = math.ceil(capacity / rate) + 60 else ttl = 86400 end
redis.call('EXPIRE', KEYS[1], ttl)
return {allowed, tostring(tokens)}
`;

type RedisWithTake = Redis & { xeenetTakeToken(key: string, capacity: number, rate: number, nowMs: number): Promise<[number, string]> };

export class RedisBuckets implements BucketStore {
  private readonly redis: RedisWithTake;
  private readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    redis.defineCommand('xeenetTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.redis = redis as RedisWithTake;
    this.prefix = prefix;
  }

  async take(key: string, spec: BucketSpec, nowMs = Date.now()): Promise<Take> {
    const [allowed, tokens] = await this.redis.xeenetTakeToken(`${this.prefix}bucket:${key}`, spec.capacity, spec.refillPerS, nowMs);
    return { allowed: allowed === 1, retryAfterS: allowed === 1 ? 0 : retryAfter(Number(tokens), spec) };
  }
}
