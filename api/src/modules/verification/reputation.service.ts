// A worker's standing (consecutive valid results, strikes, daily quota, exclusion, trust), read for
// signed-in callers like the rest of the fleet view, and the admin's two levers: trust a worker
// (it may validate unproven workers and is not replicated on every result) and reinstate an
// excluded one (strikes cleared, its owner may lease again).
import type { Env } from '../../env.ts';
import { Account } from '../../db/entities/account.entity.ts';
import { Worker } from '../../db/entities/worker.entity.ts';
import type { Db } from '../../db/sql.ts';
import { NotFoundError } from '../../errors.ts';
import { requireRole, requireViewer, type Viewer } from '../accounts/viewer.ts';
import type { EventBus } from '../events/event-bus.ts';
import { UUID_PATTERN } from '../validation.ts';
import { isEstablished } from './replication.ts';

export interface Reputation {
  workerId: string;
  consecutiveValid: number;
  validTotal: number;
  strikes: number;
  dailyQuota: number;
  leasedToday: number;
  established: boolean;
  trusted: boolean;
  excluded: boolean;
  excludedReason: string | null;
}

export class ReputationService {
  private readonly em: Db;
  private readonly env: Pick<Env, 'XEENET_TRUST_AFTER_VALID' | 'XEENET_INITIAL_DAILY_QUOTA'>;
  private readonly events: EventBus;

  constructor(em: Db, env: ReputationService['env'], events: EventBus) {
    this.em = em;
    this.env = env;
    this.events = events;
  }

  /** The reputation of a worker the caller may see (any signed-in caller, as the fleet view). */
  async of(viewer: Viewer | null, worker: Worker): Promise<Reputation> {
    requireViewer(viewer);
    const account = await this.em.findOneOrFail(Account, { id: worker.account.id });
    const today = new Date().toISOString().slice(0, 10);
    const quotaDay = worker.quotaDay ? String(worker.quotaDay).slice(0, 10) : null;
    return {
      workerId: worker.id,
      consecutiveValid: worker.consecutiveValid,
      validTotal: worker.validTotal,
      strikes: worker.strikes,
      dailyQuota: worker.dailyQuota ?? this.env.XEENET_INITIAL_DAILY_QUOTA,
      leasedToday: quotaDay === today ? worker.quotaUsed : 0,
      established: isEstablished(worker, { trustAfterValid: this.env.XEENET_TRUST_AFTER_VALID }),
      trusted: worker.trusted,
      excluded: account.excludedAt != null,
      excludedReason: account.excludedReason ?? null,
    };
  }

  /** Admin: marks a worker trusted (or not). */
  async setTrusted(viewer: Viewer | null, workerId: string, trusted: boolean): Promise<Worker> {
    requireRole(viewer, 'admin');
    const worker = await this.load(workerId);
    worker.trusted = trusted;
    await this.em.flush();
    this.events.workerChanged(worker.id);
    return worker;
  }

  /** Admin: clears a worker's strikes and lifts its owner's exclusion. Its streak starts again from zero. */
  async reinstate(viewer: Viewer | null, workerId: string): Promise<Worker> {
    requireRole(viewer, 'admin');
    const worker = await this.load(workerId);
    worker.strikes = 0;
    worker.consecutiveValid = 0;
    const account = await this.em.findOneOrFail(Account, { id: worker.account.id });
    account.excludedAt = null;
    account.excludedReason = null;
    await this.em.flush();
    this.events.workerChanged(worker.id);
    return worker;
  }

  private async load(workerId: string): Promise<Worker> {
    const worker = UUID_PATTERN.test(workerId) ? await this.em.findOne(Worker, { id: workerId }) : null;
    if (!worker) throw new NotFoundError('worker', `worker ${workerId} not found`);
    return worker;
  }
}
