// The first preflight check: is this script vouched for by the platform key this machine pinned?
// A lease names its script's trust; BUILTIN and REVIEWED scripts must carry a signature, by the
// pinned key, over their SHA-256 (which the bytes were already checked against) and identity
// (@xeenet/contract/signing). An OWN script (unreviewed) runs unsigned only when the campaign
// belongs to this machine's own account. Anything else is refused with a typed code.
import { type KeyObject } from 'node:crypto';
import { publicKeyFromPem, type SignedTrust, verifyScriptSignature } from '@xeenet/contract/signing';
import type { PinnedKey } from './credentials.ts';
import type { Preflight, PreflightVerdict } from './preflight.ts';

export interface SignatureCheckOptions {
  /** The key pinned in the credentials file; null: none pinned (every signed script is refused). */
  pinned: PinnedKey | null;
  /** This machine's account (global id), from registration; null: unknown (OWN scripts refused). */
  accountId: string | null;
}

function refuse(code: string, reason: string): PreflightVerdict {
  return { kind: 'refuse', code, reason };
}

export function signatureCheck(options: SignatureCheckOptions): Preflight {
  let key: KeyObject | null = null;
  if (options.pinned) key = publicKeyFromPem(options.pinned.publicKeyPem);
  return (task) => {
    const { lease } = task;
    const script = lease.script;
    const trust = (script as { trust?: unknown }).trust;
    if (trust === 'OWN') {
      if (options.accountId && lease.campaignOwnerId === options.accountId) return { kind: 'run' };
      return refuse(
        'NOT_OWN',
        `refused to run ${script.name}: it is not reviewed (trust OWN) and its campaign belongs to another account than this machine's`,
      );
    }
    if (trust !== 'BUILTIN' && trust !== 'REVIEWED') {
      return refuse('UNSIGNED', `refused to run ${script.name}: the lease says nothing about the script's trust or signature (an older server?)`);
    }
    if (!script.signature) return refuse('UNSIGNED', `refused to run ${script.name}: a ${trust} script must be signed, and the lease carries no signature`);
    if (!key || !options.pinned) {
      return refuse('UNKNOWN_KEY', `refused to run ${script.name}: no platform signing key is pinned for this server; register again (--reregister)`);
    }
    if (script.signingKeyId !== options.pinned.keyId) {
      return refuse(
        'UNKNOWN_KEY',
        `refused to run ${script.name}: it is signed with key ${script.signingKeyId ?? 'none'}, not the pinned ${options.pinned.keyId}`,
      );
    }
    const check = verifyScriptSignature(
      key,
      { sha256: script.sha256, scriptId: script.scriptId, name: script.name, version: script.version, trust: trust satisfies SignedTrust },
      script.signature,
    );
    if (!check.ok) return refuse('BAD_SIGNATURE', `refused to run ${script.name} (${script.sha256.slice(0, 12)}): ${check.reason}`);
    return { kind: 'run' };
  };
}
