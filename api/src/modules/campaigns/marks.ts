// keep / discard / crash, as in autoresearch's results.tsv: a result is kept when it beats its
// reference (its parent's result, or the best result that arrived before it when it has no parent
// or the parent has none), discarded otherwise, and a task that ended without a result crashed.
import type { TaskMark } from '../../db/entities/task.entity.ts';

export interface FinishedTask {
  id: string;
  parentTaskId: string | null;
  /** null: the task failed for good. */
  value: number | null;
}

export interface KnownResult {
  id: string;
  value: number | null;
}

export interface MarkDecision {
  id: string;
  mark: TaskMark;
  /** The task the result was compared with; null for a crash or the campaign's first result. */
  againstTaskId: string | null;
}

/**
 * Marks results in arrival order. `bestSoFar` is the best already-marked result; each kept or
 * discarded result updates it for the ones after it. `parents` holds the parents' results.
 */
export function markResults(arrived: readonly FinishedTask[], parents: ReadonlyMap<string, KnownResult>, bestSoFar: KnownResult | null): MarkDecision[] {
  let best = bestSoFar && bestSoFar.value !== null ? bestSoFar : null;
  const decisions: MarkDecision[] = [];
  for (const task of arrived) {
    if (task.value === null) {
      decisions.push({ id: task.id, mark: 'crash', againstTaskId: null });
      continue;
    }
    const parent = task.parentTaskId ? parents.get(task.parentTaskId) : undefined;
    const reference = parent && parent.value !== null ? parent : best;
    const mark: TaskMark = !reference || task.value < reference.value! ? 'keep' : 'discard';
    decisions.push({ id: task.id, mark, againstTaskId: reference?.id ?? null });
    if (!best || task.value < best.value!) best = { id: task.id, value: task.value };
  }
  return decisions;
}
