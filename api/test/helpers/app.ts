// Starts the real API (HTTP + WebSocket) on a random port against PostgreSQL or PGlite.
import { type App, startApp } from '../../src/app.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';
import { testEnv } from './env.ts';

export type DatabaseKind = 'postgresql' | 'pglite';
export const DATABASES: DatabaseKind[] = ['postgresql', 'pglite'];

export interface TestApp extends App {
  database: DatabaseKind;
  stop(): Promise<void>;
}

export async function startTestApp(database: DatabaseKind, overrides: Record<string, string | undefined> = {}): Promise<TestApp> {
  let db: TestDatabase | null = null;
  if (database === 'postgresql') db = await createTestDatabase();
  const app = await startApp(testEnv({ DATABASE_URL: db?.url, ...overrides }));
  return Object.assign(app, {
    database,
    async stop() {
      await app.close();
      await db?.drop();
    },
  });
}
