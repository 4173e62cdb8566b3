// How `npm start` answers Ctrl-C, as a pure function of the signals seen so far.
//
// One Ctrl-C reaches the launcher more than once: the terminal signals the whole foreground
// process group, and npm forwards the signal to its child as well. Signals closer together than
// SAME_PRESS_MS are therefore one press. (The local worker runs in a process group of its own, so
// it hears only what the launcher forwards: exactly one signal per press.)

export const SAME_PRESS_MS = 1000;

/**
 * - `finish`: the first press. The worker stops leasing, finishes and reports its running task,
 *   gives back a task leased ahead; then the API closes.
 * - `abort`: the second press. The worker kills its running task and gives the lease back (the
 *   attempt is not counted); then the API closes.
 * - `force`: the third press. The worker's process group is killed; the database is still closed.
 * - `ignore`: the same press again.
 */
export type StopStep = 'finish' | 'abort' | 'force' | 'ignore';

export class StopSignals {
  private presses = 0;
  private lastAt = Number.NEGATIVE_INFINITY;

  /** Records a signal received at nowMs and says what to do about it. */
  receive(nowMs: number): StopStep {
    const samePress = nowMs - this.lastAt < SAME_PRESS_MS;
    this.lastAt = nowMs;
    if (samePress) return 'ignore';
    this.presses++;
    return this.presses === 1 ? 'finish' : this.presses === 2 ? 'abort' : 'force';
  }

  get count(): number {
    return this.presses;
  }
}
