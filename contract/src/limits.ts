// Size limits and bounds of a report, in one place: the worker cuts to them, the API refuses past them.

/** stdout and stderr tails: at most this many UTF-8 bytes each. */
export const MAX_TAIL_BYTES = 16 * 1024;
/** The whole result line, stored as the result's metrics: at most this many UTF-8 bytes of JSON. */
export const MAX_METRICS_BYTES = 64 * 1024;
/** A failure reason: at most this many characters (UTF-16 code units, as JavaScript counts them). */
export const MAX_REASON_CHARS = 2000;
/** A heartbeat's progress message: at most this many characters. */
export const MAX_PROGRESS_MESSAGE_CHARS = 500;
/** Step counts are stored as 32-bit signed integers. */
export const MAX_STEPS = 2 ** 31 - 1;
/** Above 64 bits per byte a model is worse than any byte-level guess could be: not a measurement. */
export const MAX_VAL_BPB = 64;
/**
 * Below this many bits per byte no model of natural text gets at these budgets (the best published
 * character models of English are near 1 bpb after days of training): a claim below it is refused.
 */
export const MIN_PLAUSIBLE_VAL_BPB = 0.5;
/** A run's wall time may exceed its task's budget_s by at most this (the worker kills it 15 s past). */
export const MAX_WALL_OVERRUN_S = 30;
/** JSON values (metrics, search spaces) nest at most this deep. */
export const MAX_JSON_DEPTH = 64;
