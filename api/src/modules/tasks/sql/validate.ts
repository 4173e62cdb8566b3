// The validation transitions: a result's verdict (pending → valid | invalid | inconclusive, and
// valid → invalid when a later spot check outvotes it), its credit state, and the original task's
// verdict with its canonical result (the one statistics, charts and "best" use).
import type { Query } from '../../../db/sql.ts';
import type { ValidationState } from '../../../db/entities/task.entity.ts';
import type { CreditState } from '../../../db/entities/run-result.entity.ts';

export interface VerdictRow {
  id: string;
  task_id: string;
  worker_id: string;
  account_id: string;
  previous: ValidationState | null;
  credit_state: CreditState | null;
  reward: string | number;
}

/** Sets the verdict of results; returns each with its verdict before and its credit state. */
export function setResultValidation(resultIds: readonly string[], validation: ValidationState): Query<VerdictRow> {
  return {
    name: 'xeenet_set_result_validation',
    text: `with old as (
        select r.id, r.validation from run_result r where r.id = any($1::uuid[]) for update
      )
      update run_result r set validation = $2 from old, task t, worker w
      where r.id = old.id and t.id = r.task_id and w.id = r.worker_id
      returning r.id, r.task_id, r.worker_id, w.account_id, old.validation as previous, r.credit_state, t.reward`,
    values: [resultIds, validation],
  };
}

/** Moves a result's credit state only from `from`, so a payment or clawback happens at most once. */
export function moveCreditState(resultId: string, from: CreditState, to: CreditState): Query<{ id: string }> {
  return {
    name: 'xeenet_move_credit_state',
    text: `update run_result set credit_state = $3 where id = $1::uuid and credit_state = $2 returning id`,
    values: [resultId, from, to],
  };
}

/** The original's verdict; a valid one takes its canonical result's val_bpb. */
export function setTaskValidation(originalId: string, validation: ValidationState, canonicalResultId: string | null): Query<{ id: string; campaign_id: string }> {
  return {
    name: 'xeenet_set_task_validation',
    text: `update task t set validation = $2, canonical_result_id = $3::uuid,
        val_bpb = coalesce((select r.val_bpb from run_result r where r.id = $3::uuid), t.val_bpb), updated_at = now()
      where t.id = $1::uuid
      returning t.id, t.campaign_id`,
    values: [originalId, validation, canonicalResultId],
  };
}
