// Whether the worker should take work now, from the preferences, what the machine says and what
// today's usage is. Pure: the gate (gate.ts) feeds it and acts on the answer.
//
// What a pause does to a running task depends on why (`whenRunning`):
//   release  the volunteer paused, the machine went on battery, or its user came back: the task is
//            stopped at once and its lease given back (releaseTask: not counted as an attempt)
//   finish   outside the hours, or a daily cap reached: the running task finishes and reports;
//            nothing new is leased (a task leased ahead is given back)
import { minutesOf, type Preferences } from './preferences.ts';

export interface CpuSample {
  atMs: number;
  /** Share of all cores (0..1) busy with processes other than this worker and its tasks. */
  otherBusy: number;
}

export interface MachineSignals {
  /** null: the machine does not say (no /sys/class/power_supply): taken as mains power. */
  onBattery: boolean | null;
  /** Seconds since the last keyboard or mouse input; null: no input signal on this machine. */
  inputIdleS: number | null;
  /** Recent CPU samples, oldest first; null: /proc/stat is not readable here. */
  cpu: CpuSample[] | null;
}

export interface Usage {
  /** Tasks run today (local day), finished or not. */
  tasksToday: number;
  /** Seconds of task time today. */
  secondsToday: number;
}

export type DecisionCode = 'RUN' | 'PAUSED' | 'ON_BATTERY' | 'OUTSIDE_HOURS' | 'DAILY_TASK_CAP' | 'DAILY_HOURS_CAP' | 'NOT_IDLE' | 'IDLE_UNKNOWN';

export type RunDecision = { run: true; code: 'RUN'; reason: string } | { run: false; code: Exclude<DecisionCode, 'RUN'>; reason: string; whenRunning: 'finish' | 'release' };

/** Is local time `now` inside the window (from inclusive, to exclusive; from == to: all day)? */
export function insideHours(window: { from: string; to: string }, now: Date): boolean {
  const from = minutesOf(window.from)!;
  const to = minutesOf(window.to)!;
  const minute = now.getHours() * 60 + now.getMinutes();
  if (from === to) return true;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** Why the machine is not idle, or null when every signal it has says it is. */
function notIdle(prefs: Preferences, signals: MachineSignals, nowMs: number): { code: 'NOT_IDLE' | 'IDLE_UNKNOWN'; reason: string } | null {
  const needS = prefs.idleMinutes * 60;
  if (signals.inputIdleS === null && signals.cpu === null) {
    return { code: 'IDLE_UNKNOWN', reason: 'only when idle, but this machine offers neither an input nor a CPU signal to tell' };
  }
  if (signals.inputIdleS !== null && signals.inputIdleS < needS) {
    return { code: 'NOT_IDLE', reason: `only when idle: last input ${Math.round(signals.inputIdleS)} s ago (needs ${prefs.idleMinutes} min)` };
  }
  if (signals.cpu !== null) {
    const since = nowMs - needS * 1000;
    const recent = signals.cpu.filter((sample) => sample.atMs >= since);
    const busiest = recent.reduce((max, sample) => Math.max(max, sample.otherBusy), 0);
    if (busiest > prefs.idleMaxOtherLoad) {
      return { code: 'NOT_IDLE', reason: `only when idle: other processes used ${Math.round(busiest * 100)}% of the CPU in the last ${prefs.idleMinutes} min (at most ${Math.round(prefs.idleMaxOtherLoad * 100)}%)` };
    }
    const oldest = signals.cpu[0];
    if (!oldest || oldest.atMs > since) {
      const measuredS = oldest ? Math.round((nowMs - oldest.atMs) / 1000) : 0;
      return { code: 'NOT_IDLE', reason: `only when idle: load measured for ${measuredS} s of ${needS} s so far` };
    }
  }
  return null;
}

export function shouldRun(prefs: Preferences, signals: MachineSignals, now: Date, usage: Usage): RunDecision {
  if (prefs.paused) return { run: false, code: 'PAUSED', reason: 'paused by the volunteer', whenRunning: 'release' };
  if (prefs.pauseOnBattery && signals.onBattery === true) return { run: false, code: 'ON_BATTERY', reason: 'on battery power', whenRunning: 'release' };
  if (prefs.hours && !insideHours(prefs.hours, now)) {
    return { run: false, code: 'OUTSIDE_HOURS', reason: `outside the hours ${prefs.hours.from}–${prefs.hours.to}`, whenRunning: 'finish' };
  }
  if (prefs.dailyTaskCap !== null && usage.tasksToday >= prefs.dailyTaskCap) {
    return { run: false, code: 'DAILY_TASK_CAP', reason: `daily cap of ${prefs.dailyTaskCap} tasks reached`, whenRunning: 'finish' };
  }
  if (prefs.dailyHoursCap !== null && usage.secondsToday >= prefs.dailyHoursCap * 3600) {
    return { run: false, code: 'DAILY_HOURS_CAP', reason: `daily cap of ${prefs.dailyHoursCap} h reached`, whenRunning: 'finish' };
  }
  if (prefs.idleOnly) {
    const why = notIdle(prefs, signals, now.getTime());
    if (why) return { run: false, ...why, whenRunning: 'release' };
  }
  return { run: true, code: 'RUN', reason: 'running' };
}
