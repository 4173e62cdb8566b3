// What the local page shows, gathered as the worker runs: each slot's live view (the same one the
// terminal status lines draw), the last results, usage, the preferences and why the worker runs
// or waits, and the account's standing as the API tells it.
import { taskLabel } from '../leased-task.ts';
import type { SignalReport } from '../preferences/signals.ts';
import type { VolunteerControls, WorkerMonitor } from '../worker.ts';
import type { SlotView, StatusView } from '../status-board.ts';
import type { TaskEnded } from '../task-cycle.ts';

export interface RecentResult {
  taskId: string;
  task: string;
  endedAt: string;
  outcome: 'complete' | 'fail' | 'stopped';
  valBpb: number | null;
  reason: string | null;
  wallS: number;
  /** Credits the API paid for it; null until delivered (or never, for a failure). */
  creditsEarned: number | null;
}

/** The account's standing; each field null when the API does not offer it. */
export interface AccountStanding {
  name: string | null;
  balance: number | null;
  creditsEarned: number | null;
  creditsPending: number | null;
  computeHours: number | null;
  verifiedResults: number | null;
  reputation: number | null;
  rank: number | null;
  fetchedAt: string;
  error: string | null;
}

export interface PageSnapshot {
  worker: { name: string; server: string; simulated: boolean; slots: number; summary: string };
  slots: (SlotView & { elapsedS: number | null })[];
  results: RecentResult[];
  decision: { run: boolean; code: string; reason: string; whenRunning: string | null } | null;
  preferences: { key: string; value: unknown; source: string }[];
  usage: { tasksToday: number; hoursToday: number; totalTasks: number; totalHours: number } | null;
  /** The latest machine signals (the CPU history reduced to its last sample). */
  signals: (Omit<SignalReport, 'cpu'> & { otherCpuBusy: number | null; cpuSamples: number }) | null;
  account: AccountStanding | null;
}

const KEEP_RESULTS = 20;

export class StatusModel implements StatusView, WorkerMonitor {
  private readonly views: SlotView[];
  private readonly results: RecentResult[] = [];
  private summaryText: () => string = () => '';
  private readonly info: { name: string; server: string; simulated: boolean };
  controls: VolunteerControls | null = null;
  account: AccountStanding | null = null;
  /** Bumped at every change the page should see at once (a task's end, a pause). */
  version = 0;

  constructor(slots: number, info: { name: string; server: string; simulated: boolean }) {
    this.views = Array.from({ length: slots }, () => ({ phase: 'starting' as const }));
    this.info = info;
  }

  update(slot: number, view: SlotView): void {
    const before = this.views[slot];
    this.views[slot] = view;
    if (before?.phase !== view.phase || before?.task !== view.task) this.version++;
  }

  summary(text: () => string): void {
    this.summaryText = text;
  }

  taskEnded({ lease, end }: TaskEnded): void {
    const outcome = end.aborted ? 'stopped' : end.outcome.kind;
    this.results.unshift({
      taskId: lease.taskId,
      task: taskLabel(lease),
      endedAt: new Date().toISOString(),
      outcome,
      valBpb: end.outcome.kind === 'complete' ? end.outcome.result.valBpb : null,
      reason: end.outcome.kind === 'fail' ? end.outcome.failure.reason : end.aborted ? `stopped (${end.aborted})` : null,
      wallS: Math.round(end.wallS * 10) / 10,
      creditsEarned: null,
    });
    this.results.length = Math.min(this.results.length, KEEP_RESULTS);
    this.version++;
  }

  delivered(taskId: string, creditsEarned: number): void {
    const result = this.results.find((entry) => entry.taskId === taskId);
    if (result) result.creditsEarned = creditsEarned;
    this.version++;
    for (const listener of [...this.deliveryListeners]) listener();
  }

  private readonly deliveryListeners = new Set<() => void>();

  /** Called after every accepted delivery (the standing is asked for again). */
  onDelivered(listener: () => void): () => void {
    this.deliveryListeners.add(listener);
    return () => this.deliveryListeners.delete(listener);
  }

  snapshot(now = Date.now()): PageSnapshot {
    const controls = this.controls;
    const decision = controls?.gate.decision ?? null;
    const today = controls?.usage.today();
    const totals = controls?.usage.totals;
    return {
      worker: { ...this.info, slots: this.views.length, summary: this.summaryText() },
      slots: this.views.map((view) => ({ ...view, elapsedS: view.phase === 'running' && view.startedAtMs !== undefined ? Math.max(0, (now - view.startedAtMs) / 1000) : null })),
      results: this.results,
      decision: decision ? { run: decision.run, code: decision.code, reason: decision.reason, whenRunning: decision.run ? null : decision.whenRunning } : null,
      preferences: controls?.store.describe() ?? [],
      usage:
        today && totals
          ? { tasksToday: today.tasksToday, hoursToday: today.secondsToday / 3600, totalTasks: totals.tasks, totalHours: totals.seconds / 3600 }
          : null,
      signals: summarizeSignals(controls?.gate.signals ?? null),
      account: this.account,
    };
  }
}

function summarizeSignals(report: SignalReport | null): PageSnapshot['signals'] {
  if (!report) return null;
  const { cpu, ...rest } = report;
  return { ...rest, otherCpuBusy: cpu?.at(-1)?.otherBusy ?? null, cpuSamples: cpu?.length ?? 0 };
}

/** Sends every update to each view (the terminal's status lines and the page). */
export function teeViews(...views: (StatusView | null)[]): StatusView {
  const present = views.filter((view): view is StatusView => view !== null);
  return {
    update: (slot, view) => present.forEach((target) => target.update(slot, view)),
    summary: (text) => present.forEach((target) => target.summary(text)),
  };
}
