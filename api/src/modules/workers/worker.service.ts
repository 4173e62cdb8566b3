// Volunteer machines: registration (open by default, as in BOINC), hardware profiles, presence.
// Any signed-in caller may see the fleet (names, owners, hardware, presence); what a machine is
// working on is shown only for campaigns the caller may see (TaskService.currentTasks).
import type { Cursor } from '@mikro-orm/core';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { Account } from '../../db/entities/account.entity.ts';
import { Worker } from '../../db/entities/worker.entity.ts';
import type { Db } from '../../db/sql.ts';
import { ForbiddenError, NotFoundError } from '../../errors.ts';
import { AccountService } from '../accounts/account.service.ts';
import { requireViewer, requireWorker, type Viewer } from '../accounts/viewer.ts';
import type { EventBus } from '../events/event-bus.ts';
import { LedgerService } from '../ledger/ledger.service.ts';
import type { CursorPage } from '../pagination.ts';
import type { RegistrationLimiter } from '../rate-limit/registration-limit.ts';
import { parseInput, UUID_PATTERN } from '../validation.ts';

/** A worker is online while it has been heard from (lease, heartbeat) within this window. */
export const ONLINE_WINDOW_MS = 60_000;
/** Leases and heartbeats rewrite last_seen_at only once it is this old: presence costs one row write per half window. */
export const PRESENCE_WRITE_S = ONLINE_WINDOW_MS / 2000;

export function isOnline(worker: Worker, now = Date.now()): boolean {
  return now - worker.lastSeenAt.getTime() < ONLINE_WINDOW_MS;
}

const text = (max: number) => z.string().trim().max(max).nullish();
const hardwareSchema = z
  .object({
    cpu: text(200),
    cores: z.number().int().min(1).max(4096).nullish(),
    ramMb: z.number().int().min(1).max(1 << 30).nullish(),
    gpu: text(200),
    gpuMemoryMb: z.number().int().min(0).max(1 << 30).nullish(),
    torchVersion: text(100),
    pythonVersion: text(100),
    device: text(50),
    platform: text(100),
  })
  .strict();

const registerSchema = z.object({
  name: z.string().trim().min(1, 'is required').max(200),
  hardware: hardwareSchema,
  simulated: z.boolean().default(false),
  slots: z.number().int().min(1).max(64).default(1),
});

export type RegisterWorkerInput = z.input<typeof registerSchema>;

const updateSchema = registerSchema.omit({ simulated: true });
export type UpdateWorkerInput = z.input<typeof updateSchema>;

const speed = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .refine(Number.isFinite, `${what} must be finite`)
    .refine((v) => v > 0, `${what} must be positive`)
    .refine((v) => v <= 1e18, `${what} must be at most 1e18 per second`)
    .nullish();

const speedSchema = z
  .object({
    tokensPerS: speed('tokensPerS'),
    flopsPerS: speed('flopsPerS'),
    source: z.enum(['calibration', 'tasks']),
  })
  .refine((v) => v.tokensPerS != null || v.flopsPerS != null, { message: 'give tokensPerS, flopsPerS or both', path: ['tokensPerS'] });

export type WorkerSpeedInput = z.input<typeof speedSchema>;

export interface RegisteredWorker {
  worker: Worker;
  token: string;
}

export class WorkerService {
  private readonly em: Db;
  private readonly env: Env;
  private readonly events: EventBus;
  private readonly limiter: RegistrationLimiter | null;

  constructor(em: Db, env: Env, events: EventBus, limiter: RegistrationLimiter | null = null) {
    this.em = em;
    this.env = env;
    this.events = events;
    this.limiter = limiter;
  }

  /**
   * Registers a machine and returns its own token (shown once). Signed in, the machine joins the
   * caller's account; anonymous, a new volunteer account is created for it.
   */
  async register(viewer: Viewer | null, input: RegisterWorkerInput, clientAddress: string | null = null): Promise<RegisteredWorker> {
    const data = parseInput(registerSchema, input);
    if (!viewer && !this.env.XEENET_OPEN_REGISTRATION) {
      throw new ForbiddenError('open registration is disabled on this server: ask an admin for a token');
    }
    // Anonymous calls create an account each: limited per address and overall, before any write.
    if (!viewer) await this.limiter?.check(clientAddress);
    const registered = await this.em.transactional(async (em) => {
      let accountId = viewer?.accountId;
      if (!accountId) {
        const account = em.create(Account, { name: data.name, role: 'worker' });
        await em.flush();
        accountId = account.id;
      }
      await new LedgerService(em).walletId(accountId);
      const worker = em.create(Worker, {
        account: em.getReference(Account, accountId),
        name: data.name,
        hardware: data.hardware,
        simulated: data.simulated,
        slots: data.slots,
      });
      await em.flush();
      const token = await new AccountService(em, this.env).issueToken(accountId, `worker ${data.name}`, worker.id);
      return { worker, token };
    });
    this.events.workerChanged(registered.worker.id);
    return registered;
  }

  /**
   * A registered machine refreshes its own profile at each start (new GPU, torch upgrade, renamed).
   * Whether it simulates is fixed at registration: open sockets keep the flag they started with.
   */
  async update(viewer: Viewer | null, input: UpdateWorkerInput): Promise<Worker> {
    const self = requireWorker(viewer);
    const data = parseInput(updateSchema, input);
    const worker = await this.em.findOneOrFail(Worker, { id: self.workerId });
    this.em.assign(worker, { name: data.name, hardware: data.hardware, slots: data.slots });
    await this.em.flush();
    this.events.workerChanged(worker.id);
    return worker;
  }

  /**
   * The calling machine's measured training speed (a calibration at start, then its real tasks'
   * throughput). The lease uses it to fit a compute task's wall-clock cap to this machine and to
   * skip tasks it could not finish within their cap. A unit left out keeps its previous value.
   */
  async reportSpeed(viewer: Viewer | null, input: WorkerSpeedInput): Promise<Worker> {
    const self = requireWorker(viewer);
    const data = parseInput(speedSchema, input);
    const worker = await this.em.findOneOrFail(Worker, { id: self.workerId });
    this.em.assign(worker, {
      tokensPerS: data.tokensPerS ?? worker.tokensPerS ?? null,
      flopsPerS: data.flopsPerS ?? worker.flopsPerS ?? null,
      speedSource: data.source,
      speedMeasuredAt: new Date(),
    });
    await this.em.flush();
    this.events.workerChanged(worker.id);
    return worker;
  }

  /** A worker, for signed-in callers; null for anonymous ones and unknown ids. */
  async find(viewer: Viewer | null, workerId: string): Promise<Worker | null> {
    if (!viewer || !UUID_PATTERN.test(workerId)) return null;
    return this.em.findOne(Worker, { id: workerId });
  }

  async get(viewer: Viewer | null, workerId: string): Promise<Worker> {
    const worker = await this.find(viewer, workerId);
    if (!worker) throw new NotFoundError('worker', `worker ${workerId} not found`);
    return worker;
  }

  /** Every worker change, for signed-in callers (each delivery re-reads the worker through the rules). */
  updates(viewer: Viewer | null) {
    requireViewer(viewer);
    return this.events.onWorkers();
  }

  /** The fleet, most recently seen first; `online` filters on presence. Needs a signed-in caller. */
  list(viewer: Viewer | null, filter: { online?: boolean | null }, page: CursorPage): Promise<Cursor<Worker>> {
    requireViewer(viewer);
    const since = new Date(Date.now() - ONLINE_WINDOW_MS);
    const where = filter.online == null ? {} : filter.online ? { lastSeenAt: { $gte: since } } : { lastSeenAt: { $lt: since } };
    return this.em.findByCursor(Worker, { ...page, where, orderBy: { lastSeenAt: 'desc', id: 'asc' } });
  }
}
