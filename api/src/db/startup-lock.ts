// Replicas starting together on one PostgreSQL database must not run migrations or create the
// bootstrap admin twice: start-up holds a session advisory lock on a connection of its own.
// PGlite is in-process and single-writer, so there it is a no-op.
import pg from 'pg';
import type { DatabaseTarget } from './orm.ts';

/** Arbitrary but fixed: "XeeNet" in ASCII, read as a 48-bit integer. */
const STARTUP_LOCK_KEY = 0x5865654e6574;

export async function withStartupLock<T>(target: DatabaseTarget, work: () => Promise<T>): Promise<T> {
  if (target.kind !== 'postgresql') return work();
  const client = new pg.Client({ connectionString: target.location });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [STARTUP_LOCK_KEY]);
    return await work();
  } finally {
    // Closing the session releases the lock even if the unlock itself fails.
    await client.query('select pg_advisory_unlock($1)', [STARTUP_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}
