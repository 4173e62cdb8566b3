import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../../src/env.ts';

describe('parseEnv', () => {
  it('applies defaults: embedded database, port 4000, fetching datasets', () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PORT).toBe(4000);
    expect(env.XEENET_FETCH_DATASETS).toBe(true);
    expect(env.XEENET_DATA_DIR).toMatch(/\.xeenet$/);
  });

  it('lists every problem at once', () => {
    try {
      parseEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://x', XEENET_LEASE_TTL_S: '1', XEENET_FETCH_DATASETS: 'maybe' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      expect((error as EnvError).problems.map((p) => p.split(':')[0])).toEqual([
        'PORT',
        'DATABASE_URL',
        'XEENET_FETCH_DATASETS',
        'XEENET_LEASE_TTL_S',
      ]);
    }
  });

  it('defaults the operations settings and checks the Redis prefix', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ XEENET_REDIS_PREFIX: 'xeenet:', XEENET_SHUTDOWN_GRACE_MS: 10_000, XEENET_LOCAL_WORKER: true });
    expect(parseEnv({ XEENET_LOCAL_WORKER: '0' }).XEENET_LOCAL_WORKER).toBe(false);
    expect(() => parseEnv({ XEENET_REDIS_PREFIX: 'has space' })).toThrow(/XEENET_REDIS_PREFIX/);
  });

  it('treats empty strings as unset', () => {
    expect(parseEnv({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});
