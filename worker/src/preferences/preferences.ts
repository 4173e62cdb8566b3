// The volunteer's preferences: what they are, their defaults, and how a partial update (from the
// config file, the flags or the local page) is checked and applied. Pure.
//
// Precedence at start: a flag beats the config file, which beats the default. A change made on
// the local page applies at once and is written to the config file (so it also wins over a flag
// for the rest of this run; at the next start the flag wins again).
import type { ScriptTrust } from '../sandbox/policy.ts';

/** Kinds of scripts a volunteer may accept; each is a function of the lease's trust (see acceptsTrust). */
export const SCRIPT_KINDS = ['builtin', 'reviewed', 'own'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

export interface HoursWindow {
  /** Local time "HH:MM"; the window may cross midnight (from 22:00 to 07:00). */
  from: string;
  to: string;
}

export interface Preferences {
  /** Paused by the volunteer (the page's button): no new task, the running one is given back. */
  paused: boolean;
  /** Run only inside this local-time window; null: at any hour. */
  hours: HoursWindow | null;
  /** Run only when the machine has been idle for idleMinutes. */
  idleOnly: boolean;
  idleMinutes: number;
  /** "Low load": other processes use at most this share of all cores (0..1). */
  idleMaxOtherLoad: number;
  /** Pause while the machine runs on battery. */
  pauseOnBattery: boolean;
  /** At most this many CPU threads per task (passed to scripts as num_threads); null: no cap. */
  cpuThreads: number | null;
  /** May tasks use the GPU? false passes device=cpu to every script. */
  gpu: boolean;
  /** At most this many tasks per local day; null: no cap. */
  dailyTaskCap: number | null;
  /** At most this many hours of task time per local day; null: no cap. */
  dailyHoursCap: number | null;
  /** Which scripts to run. */
  acceptScripts: ScriptKind[];
}

export const DEFAULT_PREFERENCES: Preferences = {
  paused: false,
  hours: null,
  idleOnly: false,
  idleMinutes: 5,
  idleMaxOtherLoad: 0.25,
  pauseOnBattery: true,
  cpuThreads: null,
  gpu: true,
  dailyTaskCap: null,
  dailyHoursCap: null,
  acceptScripts: [...SCRIPT_KINDS],
};

export const PREFERENCE_KEYS = Object.keys(DEFAULT_PREFERENCES) as (keyof Preferences)[];
export type PreferenceSource = 'default' | 'file' | 'flag' | 'page';

/** The longest idle period the worker keeps CPU samples for. */
export const MAX_IDLE_MINUTES = 240;

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of "HH:MM", or null when it is not one. */
export function minutesOf(time: string): number | null {
  const match = TIME.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

/** "22:00-07:00" → a window; "always" or "" → null. */
export function parseHours(text: string): HoursWindow | null {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'always') return null;
  const [from = '', to = '', ...rest] = trimmed.split('-').map((part) => part.trim());
  if (rest.length || minutesOf(from) === null || minutesOf(to) === null) throw new PreferenceError([`hours must look like 22:00-07:00 (or "always"), got ${JSON.stringify(text)}`]);
  return { from, to };
}

export class PreferenceError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

function wholeOrNull(value: unknown, name: string, max: number, problems: string[]): number | null | undefined {
  if (value === null) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max) return value;
  problems.push(`${name} must be null or a whole number from 1 to ${max}`);
  return undefined;
}

/**
 * Checks a partial update (parsed JSON from the file or the page) and returns only its valid,
 * known fields; throws a PreferenceError listing every problem, applying nothing, when any is bad.
 */
export function checkUpdate(input: unknown): Partial<Preferences> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new PreferenceError(['preferences must be a JSON object']);
  const problems: string[] = [];
  const out: Partial<Preferences> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    switch (key) {
      case 'paused':
      case 'idleOnly':
      case 'pauseOnBattery':
      case 'gpu':
        if (typeof value === 'boolean') out[key] = value;
        else problems.push(`${key} must be true or false`);
        break;
      case 'hours':
        if (value === null) out.hours = null;
        else if (typeof value === 'object' && value !== null && minutesOf(String((value as HoursWindow).from)) !== null && minutesOf(String((value as HoursWindow).to)) !== null) {
          out.hours = { from: (value as HoursWindow).from, to: (value as HoursWindow).to };
        } else problems.push('hours must be null or {"from": "HH:MM", "to": "HH:MM"}');
        break;
      case 'idleMinutes': {
        const minutes = wholeOrNull(value, key, MAX_IDLE_MINUTES, problems);
        if (minutes === null) problems.push('idleMinutes cannot be null');
        else if (minutes !== undefined) out.idleMinutes = minutes;
        break;
      }
      case 'idleMaxOtherLoad':
        if (typeof value === 'number' && value >= 0 && value <= 1) out.idleMaxOtherLoad = value;
        else problems.push('idleMaxOtherLoad must be a number from 0 to 1 (a share of all cores)');
        break;
      case 'cpuThreads':
      case 'dailyTaskCap': {
        const parsed = wholeOrNull(value, key, key === 'cpuThreads' ? 4096 : 1_000_000, problems);
        if (parsed !== undefined) out[key] = parsed;
        break;
      }
      case 'dailyHoursCap':
        if (value === null) out.dailyHoursCap = null;
        else if (typeof value === 'number' && value > 0 && value <= 24) out.dailyHoursCap = value;
        else problems.push('dailyHoursCap must be null or a number of hours above 0 and at most 24');
        break;
      case 'acceptScripts':
        if (Array.isArray(value) && value.every((kind) => (SCRIPT_KINDS as readonly unknown[]).includes(kind))) {
          out.acceptScripts = SCRIPT_KINDS.filter((kind) => value.includes(kind));
        } else problems.push(`acceptScripts must be a list of ${SCRIPT_KINDS.join(', ')}`);
        break;
      default:
        problems.push(`unknown preference ${JSON.stringify(key)}`);
    }
  }
  if (problems.length) throw new PreferenceError(problems);
  return out;
}

/**
 * Whether a script of this trust is one of the kinds the volunteer accepts. A lease that does not
 * say (UNKNOWN: a server from before script signing) runs only when every kind is accepted, the
 * default: narrowing the choice refuses what cannot be told apart.
 */
export function acceptsTrust(accept: readonly ScriptKind[], trust: ScriptTrust): boolean {
  switch (trust) {
    case 'BUILTIN':
      return accept.includes('builtin');
    case 'REVIEWED':
      return accept.includes('reviewed');
    case 'OWN':
      return accept.includes('own');
    case 'UNKNOWN':
      return SCRIPT_KINDS.every((kind) => accept.includes(kind));
  }
}
