// Per-request (or per-subscription-event) state: one EntityManager fork behind the services, and
// the caller. Resolvers reach storage only through `services`.
import type { Env } from './env.ts';
import type { HotSql } from './db/hot-sql.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Orm } from './db/orm.ts';
import type { Db } from './db/sql.ts';
import type { Logger } from './logger.ts';
import { AccountService } from './modules/accounts/account.service.ts';
import type { Viewer } from './modules/accounts/viewer.ts';
import type { ArtifactCache } from './modules/artifacts/artifact-store.ts';
import { ArtifactService } from './modules/artifacts/artifact.service.ts';
import { AgentProposals } from './modules/campaigns/agent-proposals.ts';
import { CampaignLoop } from './modules/campaigns/campaign-loop.ts';
import { CampaignService } from './modules/campaigns/campaign.service.ts';
import { ResultsService } from './modules/campaigns/results.service.ts';
import type { EventBus } from './modules/events/event-bus.ts';
import { ExploreService } from './modules/explore/explore.service.ts';
import { LedgerService } from './modules/ledger/ledger.service.ts';
import type { Metrics } from './modules/metrics/metrics.ts';
import { LeaseService } from './modules/tasks/lease.service.ts';
import type { LiveLeaseStore } from './modules/tasks/live-leases.ts';
import type { LeaseBatcher } from './modules/tasks/lease-batcher.ts';
import { TaskLifecycle } from './modules/tasks/lifecycle.ts';
import { TaskService } from './modules/tasks/task.service.ts';
import { ScriptService } from './modules/scripts/script.service.ts';
import type { ScriptSigner } from './modules/signing/signing-key.ts';
import { VerificationService } from './modules/verification/verification.service.ts';
import { ReputationService } from './modules/verification/reputation.service.ts';
import { WorkerService } from './modules/workers/worker.service.ts';
import type { RegistrationLimiter } from './modules/rate-limit/registration-limit.ts';

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
  /** Heartbeats between row writes, and the latest progress (memory, or Redis with REDIS_URL). */
  liveLeases: LiveLeaseStore;
  /** Coalesces concurrent lease requests into one statement (null: XEENET_LEASE_BATCH_MAX is 1). */
  leaseBatcher: LeaseBatcher | null;
  /** Anonymous registerWorker limits (shared through Redis when configured). */
  registrationLimiter: RegistrationLimiter;
  /** The platform's script-signing key (public half published, private half signs approvals). */
  signer: ScriptSigner;
}

/** One unit of work's services, sharing its EntityManager. */
export class Services {
  readonly accounts: AccountService;
  readonly agents: AgentProposals;
  readonly artifacts: ArtifactService;
  readonly campaigns: CampaignService;
  readonly explore: ExploreService;
  readonly ledger: LedgerService;
  readonly lifecycle: TaskLifecycle;
  readonly loop: CampaignLoop;
  readonly leases: LeaseService;
  readonly results: ResultsService;
  readonly scripts: ScriptService;
  readonly tasks: TaskService;
  readonly verification: VerificationService;
  readonly reputation: ReputationService;
  readonly workers: WorkerService;

  constructor(deps: AppDeps, em: Db, viewer: Viewer | null) {
    this.accounts = new AccountService(em, deps.env);
    this.artifacts = new ArtifactService(em, deps.env, deps.artifactCache);
    this.ledger = new LedgerService(em);
    this.lifecycle = new TaskLifecycle(em, deps.hotSql, deps.events, deps.env, this.ledger, { live: deps.liveLeases, leaseBatcher: deps.leaseBatcher });
    this.verification = new VerificationService(em, deps.env, deps.events, this.lifecycle);
    this.reputation = new ReputationService(em, deps.env, deps.events);
    this.loop = new CampaignLoop(em, deps.env, deps.events, this.lifecycle, deps.log);
    this.scripts = new ScriptService(em, deps.env, deps.signer, this.artifacts);
    this.campaigns = new CampaignService(em, deps.env, deps.events, this.artifacts, this.lifecycle, this.loop, this.scripts, this.verification);
    this.explore = new ExploreService(em);
    this.agents = new AgentProposals(em, this.campaigns, this.lifecycle, this.loop);
    this.leases = new LeaseService(this.lifecycle, this.artifacts, { metrics: deps.metrics, replica: deps.lifecycle, loop: this.loop, verification: this.verification });
    this.results = new ResultsService(em);
    this.tasks = new TaskService(em, viewer, deps.liveLeases);
    this.workers = new WorkerService(em, deps.env, deps.events, deps.registrationLimiter);
  }

  static fork(deps: AppDeps, viewer: Viewer | null = null): Services {
    return new Services(deps, deps.orm.em.fork() as unknown as Db, viewer);
  }
}

/** Plain data: yoga merges it into its own context object, so it must not rely on a prototype. */
export interface RequestContext {
  deps: AppDeps;
  viewer: Viewer | null;
  services: Services;
  /** The caller's IP address (the first X-Forwarded-For entry with XEENET_TRUST_PROXY), for rate limits. */
  clientAddress: string | null;
}

export function createRequestContext(deps: AppDeps, viewer: Viewer | null, clientAddress: string | null = null): RequestContext {
  return { deps, viewer, services: Services.fork(deps, viewer), clientAddress };
}

/** A fresh unit of work: subscriptions call this per event so they never serve stale entities. */
export function refreshContext(ctx: RequestContext): void {
  ctx.services = Services.fork(ctx.deps, ctx.viewer);
}
