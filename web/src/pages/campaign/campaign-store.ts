// The one home of a campaign page's tasks and chart points, fed by task pages, the API's list of
// points, live events and resyncs. Apollo's cache holds the campaign itself (its stats come in
// through `campaignUpdated`) but never its tasks: reading a 10,000-entry list back through the
// cache's reactive layer costs about a millisecond per 10 entries on every change, and its field
// merges cannot tell an older page from a newer event. Here each update is a map write and one
// array copy, and `newer` decides which version of a task wins. See web/README.md.
import type { ResultPointFieldsFragment, TaskRowFragment, TaskStatus } from '../../gql/graphql';
import { byFinish, type Point, toPoint, toPoints } from './chart-data';

export interface CampaignSnapshot {
  /** Loaded tasks in index order. */
  tasks: TaskRowFragment[];
  /** Finished results, in finish order. */
  points: Point[];
  totalCount: number | null;
  /** Every task page has been loaded. */
  complete: boolean;
  /** The API's list of points has been read (since the last reload). */
  pointsLoaded: boolean;
  error: unknown;
}

const RANK: Record<TaskStatus, number> = { QUEUED: 0, LEASED: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2 };

/**
 * Which of two versions of a task is newer. The API stamps every change with `updatedAt`; it is
 * the only reliable order, since a requeue (failure, expired lease) keeps the attempt count and a
 * release lowers it. Same stamp (or none): more attempts, then a later state, then more progress.
 */
export function newer(a: TaskRowFragment, b: TaskRowFragment): TaskRowFragment {
  const timeA = Date.parse(a.updatedAt);
  const timeB = Date.parse(b.updatedAt);
  if (timeA !== timeB && Number.isFinite(timeA) && Number.isFinite(timeB)) return timeA > timeB ? a : b;
  if (a.attempts !== b.attempts) return a.attempts > b.attempts ? a : b;
  if (RANK[a.status] !== RANK[b.status]) return RANK[a.status] > RANK[b.status] ? a : b;
  const stepA = a.progress?.step ?? -1;
  const stepB = b.progress?.step ?? -1;
  if (stepA !== stepB) return stepA > stepB ? a : b;
  // Same point in its life: keep the known object unless something shown differs (a later heartbeat).
  const same =
    a.valBpb === b.valBpb && a.progress?.elapsedS === b.progress?.elapsedS && a.worker?.name === b.worker?.name && a.failureReason === b.failureReason;
  return same ? a : b;
}

function pointOf(task: TaskRowFragment): Point | null {
  return task.status === 'SUCCEEDED' ? toPoint({ ...task, taskId: task.id }) : null;
}

/** How to repair the page after events may have been missed. */
export type Repair = 'recent' | 'reload';

/**
 * The one resync rule. Mid-load, nothing is settled yet: start the load over. Once loaded, a few
 * missing results (or an unknown number, after a socket reconnect) are read from the recently
 * changed tasks; more than a resync window's worth means reading everything again.
 */
export function repairFor(loaded: boolean, missing: number | null, window: number): Repair {
  if (!loaded) return 'reload';
  return missing !== null && missing > window / 2 ? 'reload' : 'recent';
}

export class CampaignStore {
  private readonly byId = new Map<string, TaskRowFragment>();
  private order: string[] = [];
  private readonly listed = new Set<string>();
  private readonly pointIds = new Set<string>();
  private points: Point[] = [];
  /** Results found in the current batch, merged into `points` once at its end. */
  private newPoints: Point[] = [];
  private totalCount: number | null = null;
  private complete = false;
  private pointsLoaded = false;
  private error: unknown = null;
  private snapshot: CampaignSnapshot = { tasks: [], points: [], totalCount: null, complete: false, pointsLoaded: false, error: null };
  private tasksChanged = false;
  private pointsChanged = false;
  private readonly listeners = new Set<() => void>();

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): CampaignSnapshot => this.snapshot;

  /** Forgets the task list (before a reload); points and live data for known tasks stay. */
  resetTasks(): void {
    this.order = [];
    this.listed.clear();
    this.complete = false;
    this.pointsLoaded = false;
    this.error = null;
    this.tasksChanged = true;
    this.emit();
  }

  /** A page of tasks in index order, appended to the list. */
  addPage(tasks: readonly TaskRowFragment[], totalCount: number, complete: boolean): void {
    for (const task of tasks) {
      const known = this.byId.get(task.id);
      this.byId.set(task.id, known ? newer(known, task) : task);
      if (!this.listed.has(task.id)) {
        this.listed.add(task.id);
        this.order.push(task.id);
      }
      this.addPoint(this.byId.get(task.id)!);
    }
    this.totalCount = totalCount;
    this.complete = complete;
    this.tasksChanged = true;
    this.emit();
  }

  /** The API's full list of points (on load or after a reload); merged with any already seen. */
  setPoints(raw: readonly ResultPointFieldsFragment[]): void {
    const fresh = toPoints(raw);
    const seen = new Set(fresh.map((point) => point.taskId));
    const extra = this.points.filter((point) => !seen.has(point.taskId));
    this.points = extra.length ? [...fresh, ...extra].sort(byFinish) : fresh;
    this.pointIds.clear();
    for (const point of this.points) this.pointIds.add(point.taskId);
    this.pointsLoaded = true;
    this.pointsChanged = true;
    this.emit();
  }

  /** Live events (or a resync): newer versions replace older ones; new results become points. */
  apply(tasks: readonly TaskRowFragment[]): void {
    for (const task of tasks) {
      const known = this.byId.get(task.id);
      const next = known ? newer(known, task) : task;
      if (next !== known) {
        this.byId.set(task.id, next);
        if (this.listed.has(task.id)) this.tasksChanged = true;
      }
      this.addPoint(next);
    }
    this.emit();
  }

  /**
   * A resync read: the `window` most recently changed tasks, newest first, applied like events.
   * True when that window reached a version the store already knew (or held every task): nothing
   * older can have been missed. False: more changed than one read shows, so reload everything.
   */
  applyRecent(tasks: readonly TaskRowFragment[], window: number): boolean {
    const oldest = tasks.at(-1);
    const covered = tasks.length < window || (oldest !== undefined && this.knows(oldest));
    this.apply(tasks);
    return covered;
  }

  /** The store already holds this version of the task, or a newer one. */
  knows(task: TaskRowFragment): boolean {
    const known = this.byId.get(task.id);
    return known !== undefined && newer(known, task) === known;
  }

  fail(error: unknown): void {
    this.error = error;
    this.tasksChanged = true;
    this.emit();
  }

  private addPoint(task: TaskRowFragment): void {
    if (this.pointIds.has(task.id)) return;
    const point = pointOf(task);
    if (!point) return;
    this.pointIds.add(task.id);
    this.newPoints.push(point);
  }

  private emit(): void {
    if (this.newPoints.length > 0) {
      // One copy and one sort per batch (nearly sorted already: results arrive in finish order).
      this.points = this.points.concat(this.newPoints).sort(byFinish);
      this.newPoints = [];
      this.pointsChanged = true;
    }
    if (!this.tasksChanged && !this.pointsChanged) return;
    this.snapshot = {
      tasks: this.tasksChanged ? this.order.map((id) => this.byId.get(id)!) : this.snapshot.tasks,
      points: this.pointsChanged ? this.points : this.snapshot.points,
      totalCount: this.totalCount,
      complete: this.complete,
      pointsLoaded: this.pointsLoaded,
      error: this.error,
    };
    this.tasksChanged = false;
    this.pointsChanged = false;
    for (const listener of this.listeners) listener();
  }
}
