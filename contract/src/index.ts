// @xeenet/contract: what a XeeNet result report must satisfy, stated once for the API and the worker.
export {
  MAX_JSON_DEPTH,
  MAX_METRICS_BYTES,
  MAX_PROGRESS_MESSAGE_CHARS,
  MAX_REASON_CHARS,
  MAX_STEPS,
  MAX_TAIL_BYTES,
  MAX_VAL_BPB,
  MAX_WALL_OVERRUN_S,
  MIN_PLAUSIBLE_VAL_BPB,
} from './limits.ts';
export {
  formatPath,
  NUL_MESSAGE,
  type Problem,
  reportableReason,
  reportableTail,
  storableText,
  stringProblem,
  SURROGATE_MESSAGE,
  textProblems,
  utf8Length,
} from './text.ts';
export {
  budgetProblems,
  type TaskBudget,
  checkSteps,
  checkTrainLoss,
  checkValBpb,
  checkWallS,
  type FieldCheck,
  RESULT_CHECKS,
  RESULT_LINE_KEYS,
  resultLineProblems,
  resultProblems,
  type ResultNumbers,
} from './result.ts';
export { checkReason, checkText, type Progress, PROGRESS_CHECKS } from './progress.ts';
