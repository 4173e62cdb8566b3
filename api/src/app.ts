// Wires the process together: database, events, artifacts, bootstrap admin, HTTP/WS server, reaper,
// metrics; and takes it apart again in order on shutdown.
import type { AddressInfo } from 'node:net';
import { type AppDeps, Services } from './context.ts';
import type { Env } from './env.ts';
import { HotSql } from './db/hot-sql.ts';
import { databaseTarget, openDatabase } from './db/orm.ts';
import { withStartupLock } from './db/startup-lock.ts';
import type { Db } from './db/sql.ts';
import { createHttpServer, GRAPHQL_PATH, type HttpServer } from './http/server.ts';
import { Lifecycle } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { AccountService } from './modules/accounts/account.service.ts';
import { ArtifactRegistry } from './modules/artifacts/artifact-registry.ts';
import { ArtifactCache } from './modules/artifacts/artifact-store.ts';
import { EventBus } from './modules/events/event-bus.ts';
import { DatabaseGauges } from './modules/metrics/database-gauges.ts';
import { Metrics } from './modules/metrics/metrics.ts';
import { TaskLifecycle } from './modules/tasks/lifecycle.ts';
import { openLiveLeases } from './modules/tasks/live-leases.ts';
import { registerBuiltinScripts } from './modules/scripts/script-registry.ts';
import { loadSigningKey } from './modules/signing/signing-key.ts';
import { Reaper } from './modules/tasks/reaper.ts';
import { RegistrationLimiter } from './modules/rate-limit/registration-limit.ts';
import { MemoryBuckets, RedisBuckets } from './modules/rate-limit/token-bucket.ts';
import { Redis } from 'ioredis';

export interface App {
  deps: AppDeps;
  url: string;
  graphqlUrl: string;
  /** The bootstrap admin's token when this start created it (first start), else null. */
  adminToken: string | null;
  /** Settles when datasets fetched from the network have arrived (or failed to). */
  datasetsReady: Promise<void>;
  reaper: Reaper;
  /**
   * Graceful shutdown (SIGTERM): not ready and no new leases at once, requests in flight finish
   * within XEENET_SHUTDOWN_GRACE_MS, WebSockets closed with 1012, reaper stopped, pools closed.
   * Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

export async function startApp(env: Env): Promise<App> {
  const log = createLogger(env.XEENET_LOG_LEVEL);
  const target = databaseTarget(env);
  const artifactCache = new ArtifactCache();
  const signer = loadSigningKey(env);
  if (signer.source === 'generated') log.info('signing key generated', { keyId: signer.keyId, file: signer.file });
  const { orm, download, adminToken } = await withStartupLock(target, async () => {
    const orm = await openDatabase(target, env.XEENET_SQL_DEBUG);
    const em = orm.em.fork() as unknown as Db;
    const artifacts = new ArtifactRegistry(em, env);
    await registerBuiltinScripts(em, signer, await artifacts.registerTrainingScripts(log), log);
    const { download } = await artifacts.registerDatasets(log);
    const adminToken = await new AccountService(em, env).ensureAdmin();
    return { orm, download, adminToken };
  });
  const metrics = new Metrics();
  metrics.attachDatabaseGauges(new DatabaseGauges(orm, { refreshMs: env.XEENET_METRICS_REFRESH_MS, leaseTtlS: env.XEENET_LEASE_TTL_S }));
  const events = await EventBus.create({
    redisUrl: env.REDIS_URL,
    prefix: env.XEENET_REDIS_PREFIX,
    observer: {
      published: (topic) => metrics.eventsPublished.inc({ topic }),
      delivered: (topic, lagSeconds) => metrics.eventFanout.observe({ topic }, lagSeconds),
    },
  });
  const liveLeases = await openLiveLeases({ redisUrl: env.REDIS_URL, prefix: env.XEENET_REDIS_PREFIX, leaseTtlS: env.XEENET_LEASE_TTL_S });
  const hotSql = HotSql.create(target);
  const lifecycle = new Lifecycle();
  // Its own connection: the event bus's are a publisher and a subscriber.
  const limiterRedis = env.REDIS_URL ? new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 }) : null;
  limiterRedis?.on('error', () => {});
  const registrationLimiter = new RegistrationLimiter(limiterRedis ? new RedisBuckets(limiterRedis, env.XEENET_REDIS_PREFIX) : new MemoryBuckets(), env, log);
  const leaseBatcher = TaskLifecycle.leaseBatcher(hotSql, () => orm.em.fork() as unknown as Db, env, (size) => metrics.leaseBatchSize.observe(size));
  const deps: AppDeps = { env, orm, events, artifactCache, hotSql, log, metrics, lifecycle, liveLeases, leaseBatcher, registrationLimiter, signer };

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

  let closing: Promise<void> | null = null;
  const shutdown = async () => {
    lifecycle.beginDrain();
    metrics.ready.set(0);
    log.info('shutting down: not ready, no new leases', { graceMs: env.XEENET_SHUTDOWN_GRACE_MS });
    await http.close(env.XEENET_SHUTDOWN_GRACE_MS);
    // The reaper runs on other replicas too; a tick in progress finishes before the pools close.
    await reaper.stop();
    await events.close();
    await liveLeases.close();
    limiterRedis?.disconnect();
    await hotSql.close();
    await orm.close();
    log.info('shut down');
  };

  return {
    deps,
    url,
    graphqlUrl: `${url}${GRAPHQL_PATH}`,
    adminToken,
    datasetsReady: download.catch((error: unknown) => log.warn('dataset download failed', { error: String(error) })),
    reaper,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
