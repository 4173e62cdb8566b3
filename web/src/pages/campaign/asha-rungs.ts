// ASHA's rungs from the campaign's tasks: a rung is one budget multiple; a config reaches the next
// rung when the strategy promotes it (a new task at η× the budget whose parent ran in this rung).
export interface RungSource {
  id: string;
  status: string;
  valBpb?: number | null;
  simulated: boolean;
  budgetScale: number;
  parentId?: string | null;
}

export interface Rung {
  budgetScale: number;
  tasks: number;
  finished: number;
  best: number | null;
  /** Tasks of this rung promoted to the next one. */
  promoted: number;
}

export function ashaRungs(tasks: readonly RungSource[]): Rung[] {
  const scaleOf = new Map(tasks.map((task) => [task.id, task.budgetScale]));
  const rungs = new Map<number, Rung>();
  const rung = (scale: number) => {
    let found = rungs.get(scale);
    if (!found) rungs.set(scale, (found = { budgetScale: scale, tasks: 0, finished: 0, best: null, promoted: 0 }));
    return found;
  };
  const promotedFrom = new Set<string>();
  for (const task of tasks) {
    const current = rung(task.budgetScale);
    current.tasks += 1;
    if (task.status === 'SUCCEEDED' || task.status === 'FAILED') current.finished += 1;
    if (task.status === 'SUCCEEDED' && task.valBpb != null && !task.simulated && (current.best === null || task.valBpb < current.best)) current.best = task.valBpb;
    const parentScale = task.parentId ? scaleOf.get(task.parentId) : undefined;
    if (task.parentId && parentScale !== undefined && parentScale < task.budgetScale && !promotedFrom.has(task.parentId)) {
      promotedFrom.add(task.parentId);
      rung(parentScale).promoted += 1;
    }
  }
  return [...rungs.values()].sort((a, b) => a.budgetScale - b.budgetScale);
}
