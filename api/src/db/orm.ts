// Builds the MikroORM instance: real PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { PgliteDriver } from '@mikro-orm/pglite';
import { Migrator } from '@mikro-orm/migrations';
import type { Env } from '../env.ts';
import { entities } from './entities/index.ts';
import { migrationsList } from './migrations/index.ts';

export type Orm = MikroORM;
export type DatabaseKind = 'postgresql' | 'pglite';

export interface DatabaseTarget {
  kind: DatabaseKind;
  /** clientUrl for PostgreSQL, data folder for PGlite ('memory://' for throwaway databases). */
  location: string;
}

export function databaseTarget(env: Pick<Env, 'DATABASE_URL' | 'XEENET_DATA_DIR'>): DatabaseTarget {
  if (env.DATABASE_URL) return { kind: 'postgresql', location: env.DATABASE_URL };
  return { kind: 'pglite', location: path.join(env.XEENET_DATA_DIR, 'pglite') };
}

export function ormOptions(target: DatabaseTarget, debug = false): Options {
  const common: Options = {
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    debug,
    // Relations resolved in GraphQL field resolvers are batched per tick instead of N+1 queries.
    dataloader: true,
    forceUtcTimezone: true,
    allowGlobalContext: false,
  };
  if (target.kind === 'postgresql') {
    return { ...common, clientUrl: target.location, pool: { min: 1, max: 10 } };
  }
  if (!target.location.startsWith('memory:')) mkdirSync(target.location, { recursive: true });
  return { ...common, driver: PgliteDriver as unknown as Options['driver'], dbName: target.location };
}

/** Opens the database and applies pending migrations (never schema auto-sync). */
export async function openDatabase(target: DatabaseTarget, debug = false): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(target, debug));
  await orm.migrator.up();
  return orm;
}
