// Verification by replay: after a result is recorded, decide whether another worker must replay
// it; when replays come back, take BOINC's quorum, pay the agreeing workers, strike the others and
// set the canonical result. Decisions are pure (tolerance.ts, quorum.ts, replication.ts); task and
// result transitions go through the lifecycle, credits through the ledger, all in one transaction
// that holds the original task's row lock, so concurrent completions of one task's runs never
// decide (or pay) twice.
import type { Env } from '../../env.ts';
import { type Db, run } from '../../db/sql.ts';
import { InsufficientCreditsError } from '../../errors.ts';
import type { EventBus } from '../events/event-bus.ts';
import { LedgerService } from '../ledger/ledger.service.ts';
import type { TaskLifecycle, VerdictRow } from '../tasks/lifecycle.ts';
import { decide, MAX_RUNS, type Run } from './quorum.ts';
import { isEstablished, MAX_DAILY_QUOTA, replicationReason, type ReplicationSettings } from './replication.ts';
import {
  completedFacts,
  groupRuns,
  type GroupRun,
  liveReplicas,
  excludeOwner,
  lockCampaign,
  lockCampaignOf,
  lockOriginal,
  originalFunding,
  recordInvalid,
  recordValid,
  unconfirmedTop,
  undecidedOriginals,
} from './sql/verification.ts';
import { parseHardwareClass } from '../tasks/hardware-class.ts';

type VerificationEnv = Pick<
  Env,
  | 'XEENET_VERIFICATION'
  | 'XEENET_REPLICATION_CV'
  | 'XEENET_TRUST_AFTER_VALID'
  | 'XEENET_VERIFICATION_SEED'
  | 'XEENET_MAX_STRIKES'
  | 'XEENET_INITIAL_DAILY_QUOTA'
  | 'XEENET_VERIFY_TOP'
>;

/** What one verification step changed, to announce after it committed. */
interface Touched {
  /** Reputation changes, applied at the end of the step in worker id order (no deadlocks). */
  verdicts?: { workerId: string; valid: boolean }[];
  campaigns: Set<string>;
  tasks: Map<string, string>;
  accounts: Set<string>;
  workers: Set<string>;
}

/** The replay keys a replica adds to its original's config (its worker picks its own device). */
function replayKeys(metrics: Record<string, unknown> | null): Record<string, unknown> {
  const replay = metrics?.replay;
  if (!replay || typeof replay !== 'object' || Array.isArray(replay)) return {};
  const { device: _device, ...keys } = replay as Record<string, unknown>;
  return keys;
}

function toRun(row: GroupRun): Run {
  return { id: row.id, valBpb: Number(row.val_bpb), trainLoss: Number(row.train_loss), steps: Number(row.steps), hardware: parseHardwareClass(row.metrics) };
}

export class VerificationService {
  private readonly em: Db;
  private readonly env: VerificationEnv;
  private readonly events: EventBus;
  private readonly lifecycle: TaskLifecycle;

  constructor(em: Db, env: VerificationEnv, events: EventBus, lifecycle: TaskLifecycle) {
    this.em = em;
    this.env = env;
    this.events = events;
    this.lifecycle = lifecycle;
  }

  get enabled(): boolean {
    return this.env.XEENET_VERIFICATION !== 'off';
  }

  private get settings(): ReplicationSettings {
    return { trustAfterValid: this.env.XEENET_TRUST_AFTER_VALID, cv: this.env.XEENET_REPLICATION_CV, seed: this.env.XEENET_VERIFICATION_SEED };
  }

  /**
   * A result was just recorded (pending, unpaid). An original from an established worker that is
   * not a new best and draws no spot check is valid at once and paid; otherwise a replica is
   * queued (an established worker is still paid at once, and clawed back if outvoted). A replica's
   * result lets the quorum decide. Returns the credits paid now.
   */
  async afterCompletion(resultId: string): Promise<{ credits: number; pending: boolean }> {
    if (!this.enabled) return { credits: 0, pending: false };
    let pending = true;
    const touched: Touched = { campaigns: new Set(), tasks: new Map(), accounts: new Set(), workers: new Set() };
    const paid = await this.em.transactional(async (tx) => {
      const [facts] = await run(tx, completedFacts(resultId));
      if (!facts) return 0;
      await run(tx, lockCampaignOf(facts.task_id));
      const [lock] = await run(tx, lockOriginal(facts.task_id));
      const rootId = lock!.root_id;
      if (facts.replica_of_id) {
        await this.evaluate(tx, rootId, touched);
        await this.applyReputation(tx, touched);
        return 0;
      }
      const ledger = new LedgerService(tx);
      const reward = Number(facts.reward);
      touched.campaigns.add(facts.campaign_id);
      touched.tasks.set(facts.task_id, facts.campaign_id);
      // The researcher's own machine: nothing to defend against (paying oneself gains nothing), so
      // the result stands on its owner's trust. It earns no reputation, or a researcher could farm
      // standing on its own campaigns.
      if (facts.account_id === facts.campaign_owner_id) {
        pending = false;
        await this.lifecycle.setResultValidation(tx, [resultId], 'valid');
        await this.lifecycle.setTaskValidation(tx, facts.task_id, 'valid', resultId);
        return this.pay(ledger, tx, facts.campaign_id, facts.task_id, resultId, facts.account_id, reward, 'accepted result (owner’s own machine)', touched);
      }
      const worker = { consecutiveValid: facts.consecutive_valid, trusted: facts.trusted };
      const newBest = facts.best_valid === null || Number(facts.val_bpb) < Number(facts.best_valid);
      const reason = replicationReason(worker, newBest, [facts.campaign_seed, facts.index, facts.attempts], this.settings);
      if (reason === null) {
        pending = false;
        await this.lifecycle.setResultValidation(tx, [resultId], 'valid');
        await this.lifecycle.setTaskValidation(tx, facts.task_id, 'valid', resultId);
        return this.pay(ledger, tx, facts.campaign_id, facts.task_id, resultId, facts.account_id, reward, 'accepted result (trusted worker)', touched);
      }
      const established = isEstablished(worker, this.settings);
      const replica = await this.replicate(tx, rootId, facts.campaign_id, replayKeys(facts.metrics), [facts.account_id], !established);
      if (!replica) {
        // No replica can be funded: an established worker's result stands on trust, an unproven one's is undecided.
        if (!established) {
          await this.inconclusive(tx, rootId, touched);
          return 0;
        }
        pending = false;
        await this.lifecycle.setResultValidation(tx, [resultId], 'valid');
        await this.lifecycle.setTaskValidation(tx, facts.task_id, 'valid', resultId);
        return this.pay(ledger, tx, facts.campaign_id, facts.task_id, resultId, facts.account_id, reward, 'accepted result (trusted worker)', touched);
      }
      touched.tasks.set(replica, facts.campaign_id);
      // Optimistic for established workers: paid now, clawed back if the replays outvote it.
      if (established) return this.pay(ledger, tx, facts.campaign_id, facts.task_id, resultId, facts.account_id, reward, `accepted result (${reason} pending)`, touched);
      return 0;
    });
    this.announce(touched);
    return { credits: paid, pending };
  }

  /** A replica ran out of attempts: replicate again while the quorum allows, else inconclusive. */
  async afterReplicaFailed(taskId: string): Promise<void> {
    if (!this.enabled) return;
    const touched: Touched = { campaigns: new Set(), tasks: new Map(), accounts: new Set(), workers: new Set() };
    await this.em.transactional(async (tx) => {
      await run(tx, lockCampaignOf(taskId));
      const [lock] = await run(tx, lockOriginal(taskId));
      if (!lock || lock.root_id === taskId) return;
      await this.evaluate(tx, lock.root_id, touched);
      await this.applyReputation(tx, touched);
    });
    this.announce(touched);
  }

  /**
   * Before a campaign with no live task closes: its best valid results that no independent worker
   * confirmed get a replica (the campaign then stays open for them), and results nothing can decide
   * any more become inconclusive. Returns whether the campaign may close now. Runs in `tx`.
   */
  async beforeClose(tx: Db, campaignId: string, cancelled: boolean): Promise<boolean> {
    if (!this.enabled) return true;
    const touched: Touched = { campaigns: new Set([campaignId]), tasks: new Map(), accounts: new Set(), workers: new Set() };
    await run(tx, lockCampaign(campaignId));
    if (!cancelled && this.env.XEENET_VERIFY_TOP > 0) {
      let opened = 0;
      for (const top of await run(tx, unconfirmedTop(campaignId, this.env.XEENET_VERIFY_TOP))) {
        await run(tx, lockOriginal(top.id));
        const replica = await this.replicate(tx, top.id, campaignId, replayKeys(top.metrics), [top.account_id], false);
        if (!replica) continue;
        await this.lifecycle.setTaskValidation(tx, top.id, 'pending', top.result_id);
        opened++;
      }
      if (opened) return false;
    }
    // A result that was valid before a spot check the campaign's end cut short stays valid.
    for (const { id } of await run(tx, undecidedOriginals(campaignId))) await this.inconclusive(tx, id, touched, true);
    return true;
  }

  /** Takes the quorum over an original's runs once none of its replicas is live. */
  private async evaluate(tx: Db, rootId: string, touched: Touched): Promise<void> {
    const [{ live } = { live: 0 }] = await run(tx, liveReplicas(rootId));
    if (live > 0) return;
    const group = await run(tx, groupRuns(rootId));
    if (!group.length) return;
    const campaignId = group[0]!.campaign_id;
    touched.campaigns.add(campaignId);
    touched.tasks.set(rootId, campaignId);
    const verdict = decide(group.map(toRun));
    if (verdict.kind === 'replicate') {
      const original = group.find((row) => row.task_id === rootId) ?? group[0]!;
      const owners = [...new Set(group.map((row) => row.account_id))];
      // A tiebreaker always comes from an established worker of yet another owner.
      const replica = await this.replicate(tx, rootId, campaignId, replayKeys(original.metrics), owners, true);
      if (replica) touched.tasks.set(replica, campaignId);
      else await this.inconclusive(tx, rootId, touched);
      return;
    }
    if (verdict.kind === 'inconclusive') {
      await this.inconclusive(tx, rootId, touched);
      return;
    }
    const ledger = new LedgerService(tx);
    for (const row of await this.lifecycle.setResultValidation(tx, verdict.valid, 'valid')) {
      await this.pay(ledger, tx, campaignId, row.task_id, row.id, row.account_id, Number(row.reward), 'validated result', touched);
      if (row.previous === 'pending') await this.reputation(tx, row, true, touched);
    }
    for (const row of await this.lifecycle.setResultValidation(tx, verdict.invalid, 'invalid')) {
      await this.forfeit(ledger, tx, campaignId, row, touched);
      if (row.previous !== 'invalid') await this.reputation(tx, row, false, touched);
    }
    await this.lifecycle.setTaskValidation(tx, rootId, 'valid', verdict.canonical);
  }

  /** No verdict possible: nothing more is paid, nobody struck; the unpaid rewards go back to the reserve. */
  private async inconclusive(tx: Db, rootId: string, touched: Touched, keepStanding = false): Promise<void> {
    const group = await run(tx, groupRuns(rootId));
    const pending = group.filter((row) => row.validation === 'pending').map((row) => row.id);
    const ledger = new LedgerService(tx);
    for (const row of await this.lifecycle.setResultValidation(tx, pending, 'inconclusive')) {
      if (await this.lifecycle.moveCreditState(tx, row.id, 'pending', 'none')) {
        await ledger.returnToReserve(group[0]!.campaign_id, Number(row.reward));
      }
    }
    const standing = keepStanding ? group.find((row) => row.validation === 'valid') : undefined;
    if (standing) await this.lifecycle.setTaskValidation(tx, rootId, 'valid', standing.id);
    else await this.lifecycle.setTaskValidation(tx, rootId, 'inconclusive', null);
    if (group[0]) touched.tasks.set(rootId, group[0].campaign_id);
  }

  /** Pays a result once (its credit state moves pending → granted, or nothing happens). */
  private async pay(
    ledger: LedgerService,
    tx: Db,
    campaignId: string,
    taskId: string,
    resultId: string,
    accountId: string,
    amount: number,
    memo: string,
    touched: Touched,
  ): Promise<number> {
    if (!(await this.lifecycle.moveCreditState(tx, resultId, 'pending', 'granted'))) return 0;
    await ledger.payResult(campaignId, taskId, accountId, amount, memo);
    touched.accounts.add(accountId);
    return amount;
  }

  /** An invalid result earns nothing; one already paid is clawed back. Either way the credits rejoin the reserve. */
  private async forfeit(ledger: LedgerService, tx: Db, campaignId: string, row: VerdictRow, touched: Touched): Promise<void> {
    const reward = Number(row.reward);
    if (await this.lifecycle.moveCreditState(tx, row.id, 'pending', 'none')) {
      await ledger.returnToReserve(campaignId, reward);
    } else if (await this.lifecycle.moveCreditState(tx, row.id, 'granted', 'clawed_back')) {
      await ledger.clawBack(campaignId, row.task_id, row.account_id, reward);
      await ledger.returnToReserve(campaignId, reward);
      touched.accounts.add(row.account_id);
    }
  }

  private async reputation(_tx: Db, row: VerdictRow, valid: boolean, touched: Touched): Promise<void> {
    touched.workers.add(row.worker_id);
    (touched.verdicts ??= []).push({ workerId: row.worker_id, valid });
  }

  /** Applies the step's reputation changes: workers in id order, then exclusions in account id order. */
  private async applyReputation(tx: Db, touched: Touched): Promise<void> {
    const verdicts = (touched.verdicts ?? []).sort((a, b) => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0));
    touched.verdicts = [];
    const strikes = new Map<string, number>();
    for (const verdict of verdicts) {
      if (verdict.valid) {
        await run(tx, recordValid([verdict.workerId], this.env.XEENET_INITIAL_DAILY_QUOTA, MAX_DAILY_QUOTA));
        continue;
      }
      const [struck] = await run(tx, recordInvalid(verdict.workerId, this.env.XEENET_INITIAL_DAILY_QUOTA));
      if (struck && struck.strikes >= this.env.XEENET_MAX_STRIKES) strikes.set(struck.account_id, Math.max(struck.strikes, strikes.get(struck.account_id) ?? 0));
    }
    for (const accountId of [...strikes.keys()].sort()) await run(tx, excludeOwner(accountId, strikes.get(accountId)!));
  }

  /** Queues a funded replica, or returns null (campaign not running, no credits left to fund it, quorum full). */
  private async replicate(
    tx: Db,
    rootId: string,
    campaignId: string,
    replay: Record<string, unknown>,
    excludedAccountIds: string[],
    needsEstablished: boolean,
  ): Promise<string | null> {
    const group = await run(tx, groupRuns(rootId));
    if (group.length >= MAX_RUNS) return null;
    const [original] = await run(tx, originalFunding(rootId));
    if (!original || original.campaign_status !== 'running') return null;
    try {
      // reserve() refuses before it writes anything, so the transaction goes on without this replica.
      await new LedgerService(tx).fundReplica(campaignId, original.owner_id, Number(original.reward));
    } catch (error) {
      if (error instanceof InsufficientCreditsError) return null;
      throw error;
    }
    const created = await this.lifecycle.createReplica(tx, rootId, { replay, excludedAccountIds, needsEstablished });
    if (!created) throw new Error(`replica of task ${rootId} could not be created in a running campaign`);
    return created.id;
  }

  private announce(touched: Touched): void {
    for (const [taskId, campaignId] of touched.tasks) this.events.taskChanged(campaignId, taskId);
    for (const campaignId of touched.campaigns) this.events.campaignChanged(campaignId);
    for (const accountId of touched.accounts) this.events.balanceChanged(accountId);
    for (const workerId of touched.workers) this.events.workerChanged(workerId);
  }
}
