// Raw SQL through Kysely: tagged templates (real bind parameters) for ad-hoc reads, and labelled
// statements (name + text + values, built side by side) for state changes. Both run on the
// EntityManager's connection, inside its transaction when there is one.
import { CompiledQuery, type Kysely, type RawBuilder } from 'kysely';
import type { EntityManager } from '@mikro-orm/postgresql';

export { sql } from 'kysely';

export type Db = EntityManager;

export interface Statement {
  /** Unique per statement text: PostgreSQL caches the plan of a named prepared statement under it. */
  name: string;
  text: string;
}

/** A statement with its values, in the order of its $n placeholders; R is the row it returns. */
export interface Query<R> extends Statement {
  values: unknown[];
  /** Type-only: the row shape. */
  readonly __row?: R;
}

export async function rows<R>(em: Db, query: RawBuilder<R>): Promise<R[]> {
  const result = await query.execute(em.getKysely() as unknown as Kysely<unknown>);
  return result.rows;
}

export async function firstRow<R>(em: Db, query: RawBuilder<R>): Promise<R | undefined> {
  return (await rows(em, query))[0];
}

/** Runs a labelled statement on the EntityManager's connection (and transaction). */
export async function run<R>(em: Db, query: Query<R>): Promise<R[]> {
  const kysely = em.getKysely() as unknown as Kysely<unknown>;
  return (await kysely.executeQuery(CompiledQuery.raw(query.text, query.values))).rows as R[];
}

/** Timestamps come back as Postgres text; this makes them Dates. */
export function toDate(value: string | Date | null | undefined): Date | null {
  if (value == null) return null;
  return value instanceof Date ? value : new Date(value);
}
