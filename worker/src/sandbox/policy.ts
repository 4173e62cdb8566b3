// Whether this machine may run a lease's script, and how: the one place that decides. Pure.
//
// Contract (for the preflight that verifies signatures, and for the volunteer's preferences that
// come later):
//   - With a working sandbox every script runs inside it, whatever its trust.
//   - Without one (no bubblewrap, no user namespaces, macOS, Windows), a script runs unsandboxed
//     only if it is a platform built-in (trust BUILTIN, its signature already verified) or the
//     volunteer started the worker with --allow-unsandboxed. Anything else is refused.
//   - Leases say what a script is (BUILTIN, REVIEWED, OWN) and carry its signature; the signature
//     check (src/signature-check.ts) runs before this policy, so a BUILTIN here is a verified one.
//     A lease from a server that names no trust reads as UNKNOWN (refused unsandboxed).

export type ScriptTrust = 'BUILTIN' | 'REVIEWED' | 'OWN' | 'UNKNOWN';

export type SandboxStatus =
  | { available: true; kind: 'bubblewrap'; version: string; asRoot: boolean }
  | { available: false; reason: string; fix: string | null };

export type RunDecision = { run: true; sandboxed: boolean } | { run: false; code: 'NO_SANDBOX'; reason: string };

/** Leases carry the script's trust level and signature (script signing). */
export const LEASES_CARRY_TRUST = true;

export const UNSANDBOXED_FLAG = '--allow-unsandboxed';

export function decideRun(input: { trust: ScriptTrust; sandbox: SandboxStatus; allowUnsandboxed: boolean }): RunDecision {
  const { trust, sandbox, allowUnsandboxed } = input;
  if (sandbox.available) return { run: true, sandboxed: true };
  if (allowUnsandboxed || trust === 'BUILTIN') return { run: true, sandboxed: false };
  return {
    run: false,
    code: 'NO_SANDBOX',
    reason:
      `refused to run: this machine has no sandbox (${sandbox.reason}) and the script is not a platform built-in ` +
      `(trust ${trust}); the volunteer can allow it with ${UNSANDBOXED_FLAG}`,
  };
}

/** The trust a lease names for its script: UNKNOWN when it names none (an older server). */
export function trustOf(lease: { script: object }): ScriptTrust {
  const trust = (lease.script as { trust?: unknown }).trust;
  return trust === 'BUILTIN' || trust === 'REVIEWED' || trust === 'OWN' ? trust : 'UNKNOWN';
}

export type StartupDecision = { start: true; sandboxed: boolean; warning: string | null } | { start: false; message: string };

/** Whether `start` may begin leasing at all with this sandbox status (simulating needs none). */
export function startupDecision(input: {
  sandbox: SandboxStatus;
  allowUnsandboxed: boolean;
  simulate: boolean;
  leasesCarryTrust?: boolean;
}): StartupDecision {
  const { sandbox, allowUnsandboxed, simulate } = input;
  if (simulate || sandbox.available) return { start: true, sandboxed: !simulate && sandbox.available, warning: null };
  const fix = sandbox.fix ? ` To sandbox tasks: ${sandbox.fix}.` : '';
  if (allowUnsandboxed) {
    return {
      start: true,
      sandboxed: false,
      warning: `NO SANDBOX (${sandbox.reason}): ${UNSANDBOXED_FLAG} was given, so training scripts run with this user's rights, network and files.${fix}`,
    };
  }
  if (input.leasesCarryTrust ?? LEASES_CARRY_TRUST) {
    return { start: true, sandboxed: false, warning: `no sandbox (${sandbox.reason}): only platform built-in scripts will run.${fix}` };
  }
  return {
    start: false,
    message:
      `this machine has no sandbox for training scripts (${sandbox.reason}), and this server does not mark which scripts ` +
      `are platform built-ins, so none may run unsandboxed.${fix} Or run them without a sandbox, with this user's rights, ` +
      `network and files: xeenet-worker start ${UNSANDBOXED_FLAG} …`,
  };
}
