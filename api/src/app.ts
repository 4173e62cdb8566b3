// Wires the process together: database, events, artifacts, bootstrap admin, HTTP/WS server, reaper.
import type { AddressInfo } from 'node:net';
import { type AppDeps, Services } from './context.ts';
import type { Env } from './env.ts';
import { HotSql } from './db/hot-sql.ts';
import { databaseTarget, openDatabase } from './db/orm.ts';
import { withStartupLock } from './db/startup-lock.ts';
import type { Db } from './db/sql.ts';
import { createHttpServer, GRAPHQL_PATH, type HttpServer } from './http/server.ts';
import { createLogger } from './logger.ts';
import { AccountService } from './modules/accounts/account.service.ts';
import { ArtifactRegistry } from './modules/artifacts/artifact-registry.ts';
import { ArtifactCache } from './modules/artifacts/artifact-store.ts';
import { EventBus } from './modules/events/event-bus.ts';
import { Reaper } from './modules/tasks/reaper.ts';

export interface App {
  deps: AppDeps;
  url: string;
  graphqlUrl: string;
  /** The bootstrap admin's token when this start created it (first start), else null. */
  adminToken: string | null;
  /** Settles when datasets fetched from the network have arrived (or failed to). */
  datasetsReady: Promise<void>;
  reaper: Reaper;
  close(): Promise<void>;
}

export async function startApp(env: Env): Promise<App> {
  const log = createLogger(env.XEENET_LOG_LEVEL);
  const target = databaseTarget(env);
  const artifactCache = new ArtifactCache();
  const { orm, download, adminToken } = await withStartupLock(target, async () => {
    const orm = await openDatabase(target, env.XEENET_SQL_DEBUG);
    const em = orm.em.fork() as unknown as Db;
    const artifacts = new ArtifactRegistry(em, env);
    await artifacts.registerTrainingScripts(log);
    const { download } = await artifacts.registerDatasets(log);
    const adminToken = await new AccountService(em, env).ensureAdmin();
    return { orm, download, adminToken };
  });
  const events = await EventBus.create(env.REDIS_URL);
  const hotSql = HotSql.create(target);
  const deps: AppDeps = { env, orm, events, artifactCache, hotSql, log };

  const http: HttpServer = createHttpServer(deps);
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(env.PORT, env.HOST, () => resolve());
  });
  const { port } = http.server.address() as AddressInfo;
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST;
  const url = `http://${host}:${port}`;

  const reaper = new Reaper(() => Services.fork(deps), log, env.XEENET_REAPER_INTERVAL_MS);
  reaper.start();
  log.info('XeeNet API listening', { url, graphql: `${url}${GRAPHQL_PATH}`, database: target.kind, redis: Boolean(env.REDIS_URL) });

  return {
    deps,
    url,
    graphqlUrl: `${url}${GRAPHQL_PATH}`,
    adminToken,
    datasetsReady: download.catch((error: unknown) => log.warn('dataset download failed', { error: String(error) })),
    reaper,
    async close() {
      await reaper.stop();
      await http.close();
      await events.close();
      await hotSql.close();
      await orm.close();
    },
  };
}
