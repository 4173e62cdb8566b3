// Per-request (or per-subscription-event) state: one EntityManager fork, the caller, services, loaders.
import DataLoader from 'dataloader';
import type { Env } from './env.ts';
import type { HotSql } from './db/hot-sql.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Orm } from './db/orm.ts';
import type { Db } from './db/sql.ts';
import { rows, sql } from './db/sql.ts';
import type { Logger } from './logger.ts';
import { RunResult } from './db/entities/run-result.entity.ts';
import { Task } from './db/entities/task.entity.ts';
import { AccountService } from './modules/accounts/account.service.ts';
import type { Viewer } from './modules/accounts/viewer.ts';
import { type ArtifactCache, ArtifactService } from './modules/artifacts/artifact.service.ts';
import { type CampaignStats, loadCampaignStats } from './modules/campaigns/campaign-stats.ts';
import { CampaignService } from './modules/campaigns/campaign.service.ts';
import { CreditService } from './modules/credits/credit.service.ts';
import type { EventBus } from './modules/events/event-bus.ts';
import type { Metrics } from './modules/metrics/metrics.ts';
import { LeaseService } from './modules/tasks/lease.service.ts';
import { WorkerService } from './modules/workers/worker.service.ts';

/** Process-wide dependencies, created once at start. */
export interface AppDeps {
  env: Env;
  orm: Orm;
  events: EventBus;
  artifactCache: ArtifactCache;
  hotSql: HotSql;
  log: Logger;
  metrics: Metrics;
  /** Whether this replica is shutting down (not ready, no new leases). */
  lifecycle: Lifecycle;
}

export class Services {
  readonly accounts: AccountService;
  readonly artifacts: ArtifactService;
  readonly campaigns: CampaignService;
  readonly credits: CreditService;
  readonly leases: LeaseService;
  readonly workers: WorkerService;

  constructor(deps: AppDeps, em: Db) {
    this.accounts = new AccountService(em, deps.env);
    this.artifacts = new ArtifactService(em, deps.env, deps.artifactCache);
    this.campaigns = new CampaignService(em, deps.env, deps.events, this.artifacts);
    this.credits = new CreditService(em);
    this.leases = new LeaseService(em, deps.env, deps.events, this.artifacts, deps.hotSql);
    this.workers = new WorkerService(em, deps.env, deps.events);
  }
}

export interface Loaders {
  campaignStats: DataLoader<string, CampaignStats>;
  acceptedResult: DataLoader<string, RunResult | null>;
  leasedTasks: DataLoader<string, Task[]>;
  balance: DataLoader<string, number>;
}

function createLoaders(em: Db): Loaders {
  return {
    campaignStats: new DataLoader((ids) => loadCampaignStats(em, ids)),
    acceptedResult: new DataLoader(async (taskIds) => {
      const results = await em.find(RunResult, { task: { $in: [...taskIds] }, accepted: true });
      const byTask = new Map(results.map((result) => [result.task.id, result]));
      return taskIds.map((id) => byTask.get(id) ?? null);
    }),
    leasedTasks: new DataLoader(async (workerIds) => {
      const tasks = await em.find(Task, { worker: { $in: [...workerIds] }, status: 'leased' }, { orderBy: { leasedAt: 'asc' } });
      return workerIds.map((id) => tasks.filter((task) => task.worker?.id === id));
    }),
    balance: new DataLoader(async (accountIds) => {
      const balances = await rows<{ account_id: string; balance: string }>(
        em,
        sql`select ca.account_id, coalesce(sum(le.amount), 0)::bigint as balance
            from credit_account ca left join ledger_entry le on le.credit_account_id = ca.id
            where ca.account_id = any(${[...accountIds]}::uuid[]) group by ca.account_id`,
      );
      const byAccount = new Map(balances.map((row) => [row.account_id, Number(row.balance)]));
      return accountIds.map((id) => byAccount.get(id) ?? 0);
    }),
  };
}

/** Plain data: yoga merges it into its own context object, so it must not rely on a prototype. */
export interface RequestContext {
  deps: AppDeps;
  viewer: Viewer | null;
  em: Db;
  services: Services;
  loaders: Loaders;
}

export function createRequestContext(deps: AppDeps, viewer: Viewer | null): RequestContext {
  const em = deps.orm.em.fork() as unknown as Db;
  const services = new Services(deps, em);
  return { deps, viewer, em, services, loaders: createLoaders(em) };
}

/** A fresh unit of work: subscriptions call this per event so they never serve stale entities. */
export function refreshContext(ctx: RequestContext): void {
  const fresh = createRequestContext(ctx.deps, ctx.viewer);
  ctx.em = fresh.em;
  ctx.services = fresh.services;
  ctx.loaders = fresh.loaders;
}
