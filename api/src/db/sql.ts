// Raw SQL for the hot paths (leasing, heartbeats, aggregates) through Kysely's tagged templates:
// real bind parameters, and the EntityManager's transaction when there is one.
import type { Kysely, RawBuilder } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';

export { sql } from 'kysely';

export type Db = EntityManager;

export async function rows<R>(em: Db, query: RawBuilder<R>): Promise<R[]> {
  const result = await query.execute(em.getKysely() as unknown as Kysely<unknown>);
  return result.rows;
}

export async function firstRow<R>(em: Db, query: RawBuilder<R>): Promise<R | undefined> {
  return (await rows(em, query))[0];
}

/** Timestamps come back as Postgres text; this makes them Dates. */
export function toDate(value: string | Date | null | undefined): Date | null {
  if (value == null) return null;
  return value instanceof Date ? value : new Date(value);
}
