// The check every lease passes after its artifacts are verified and before anything of it is
// started (the warm interpreter included): may this machine run this script? The script's
// signature (src/signature-check.ts) first, then the volunteer's preferences, then the sandbox
// policy (src/sandbox/policy.ts); a refusal goes to TaskCycleDeps.refuse, which reports it with
// refuseTask (not an attempt; the task is never leased to this machine again).
import type { TaskRefusalCode } from './api/documents.ts';
import type { PreparedTask } from './preparation.ts';
import { acceptsTrust, type ScriptKind } from './preferences/preferences.ts';
import { decideRun, type SandboxStatus, trustOf } from './sandbox/policy.ts';

export type PreflightVerdict = { kind: 'run' } | { kind: 'refuse'; code: string; reason: string };
export type Refusal = Extract<PreflightVerdict, { kind: 'refuse' }>;

export type Preflight = (task: PreparedTask) => PreflightVerdict | Promise<PreflightVerdict>;

/** Runs the checks in order; the first refusal wins. */
export function composePreflight(...checks: Preflight[]): Preflight {
  return async (task) => {
    for (const check of checks) {
      const verdict = await check(task);
      if (verdict.kind === 'refuse') return verdict;
    }
    return { kind: 'run' };
  };
}

export function sandboxPolicyCheck(sandbox: SandboxStatus, allowUnsandboxed: boolean): Preflight {
  return (task) => {
    const decision = decideRun({ trust: trustOf(task.lease), sandbox, allowUnsandboxed });
    return decision.run ? { kind: 'run' } : { kind: 'refuse', code: decision.code, reason: decision.reason };
  };
}

/** The volunteer's choice of scripts (built-in, reviewed, own), a function of the lease's trust. */
export function scriptKindCheck(accepted: () => readonly ScriptKind[]): Preflight {
  return (task) => {
    const trust = trustOf(task.lease);
    const accept = accepted();
    if (acceptsTrust(accept, trust)) return { kind: 'run' };
    return {
      kind: 'refuse',
      code: 'NOT_ACCEPTED',
      reason: `refused to run: the volunteer accepts only ${accept.join(', ') || 'no'} scripts and this one is ${trust === 'UNKNOWN' ? 'of unknown kind (the server does not say)' : trust.toLowerCase()}`,
    };
  };
}

const REFUSAL_CODES: readonly TaskRefusalCode[] = ['UNSIGNED', 'BAD_SIGNATURE', 'UNKNOWN_KEY', 'NOT_OWN', 'NO_SANDBOX', 'PREFERENCES'];

/** A verdict's code as the API's TaskRefusalCode; a check's own code outside that list reads as PREFERENCES. */
export function refusalCode(code: string): TaskRefusalCode {
  return (REFUSAL_CODES as readonly string[]).includes(code) ? (code as TaskRefusalCode) : 'PREFERENCES';
}
