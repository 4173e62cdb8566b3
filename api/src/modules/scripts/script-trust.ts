// What a script is to a worker, and the identity its signature covers. Pure.
import type { ScriptIdentity, SignedTrust } from '@xeenet/contract/signing';
import type { ReviewState, ScriptOrigin } from '../../db/entities/script.entity.ts';

/** BUILTIN: shipped in training-scripts/; REVIEWED: a researcher's, approved; OWN: neither (own machines only). */
export type ScriptTrust = SignedTrust | 'OWN';

export interface ScriptFacts {
  id: string;
  sha256: string;
  name: string;
  version: number;
  origin: ScriptOrigin;
  reviewState: ReviewState;
}

export function trustOf(script: Pick<ScriptFacts, 'origin' | 'reviewState'>): ScriptTrust {
  if (script.origin === 'builtin') return 'BUILTIN';
  return script.reviewState === 'approved' ? 'REVIEWED' : 'OWN';
}

/** The identity to sign, or null for a script the platform does not vouch for. */
export function signedIdentity(script: ScriptFacts): ScriptIdentity | null {
  const trust = trustOf(script);
  if (trust === 'OWN') return null;
  return { sha256: script.sha256, scriptId: script.id, name: script.name, version: script.version, trust };
}
