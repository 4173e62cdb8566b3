// Script signing, stated once for the API (which signs) and the worker (which verifies): what a
// signature covers, the exact bytes signed, the key id, and verification with node:crypto's
// Ed25519. Imported as `@xeenet/contract/signing` (it needs node:crypto; the main entry does not).
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/** The first element of every signed message: a new format gets a new tag, never new meaning. */
export const SCRIPT_SIGNATURE_FORMAT = 'xeenet-script-signature-v1';
export const SIGNATURE_ALGORITHM = 'ed25519';

/** Only platform-vouched scripts are signed; a researcher's own pending script never is. */
export const SIGNED_TRUSTS = ['BUILTIN', 'REVIEWED'] as const;
export type SignedTrust = (typeof SIGNED_TRUSTS)[number];

/** What a signature vouches for: these bytes, as this script, at this trust level. */
export interface ScriptIdentity {
  /** SHA-256 of the script's bytes, 64 lowercase hex digits. */
  sha256: string;
  /** The script's id on the platform (a UUID). */
  scriptId: string;
  name: string;
  /** 1 for a name's first script, then 2, 3, ... */
  version: number;
  trust: SignedTrust;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Why an identity cannot be signed or verified, or null when it is well formed. */
export function identityProblem(identity: ScriptIdentity): string | null {
  if (typeof identity.sha256 !== 'string' || !SHA256.test(identity.sha256)) return 'sha256 must be 64 lowercase hex digits';
  if (typeof identity.scriptId !== 'string' || identity.scriptId.length === 0 || identity.scriptId.length > 200) return 'scriptId must be 1 to 200 characters';
  if (typeof identity.name !== 'string' || identity.name.length === 0 || identity.name.length > 200) return 'name must be 1 to 200 characters';
  if (!Number.isSafeInteger(identity.version) || identity.version < 1) return 'version must be a positive integer';
  if (!(SIGNED_TRUSTS as readonly string[]).includes(identity.trust)) return `trust must be one of ${SIGNED_TRUSTS.join(', ')}`;
  return null;
}

/**
 * The exact bytes signed: UTF-8 of the JSON array [format, sha256, scriptId, name, version, trust].
 * An array of strings and one integer has one JSON spelling, so both sides build the same bytes,
 * and quoting keeps a name from ever being read as another field.
 */
export function scriptSignatureMessage(identity: ScriptIdentity): Buffer {
  const problem = identityProblem(identity);
  if (problem) throw new TypeError(`cannot build a script signature message: ${problem}`);
  return Buffer.from(
    JSON.stringify([SCRIPT_SIGNATURE_FORMAT, identity.sha256, identity.scriptId, identity.name, identity.version, identity.trust]),
    'utf8',
  );
}

/** The raw 32-byte Ed25519 public key. */
export function rawPublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(String(jwk.x), 'base64url');
}

/** "ed25519:" and the first 16 hex digits of the SHA-256 of the raw public key. */
export function keyIdOf(key: KeyObject): string {
  return `${SIGNATURE_ALGORITHM}:${createHash('sha256').update(rawPublicKey(key)).digest('hex').slice(0, 16)}`;
}

/** Parses a PEM (SPKI) public key; throws unless it is Ed25519. */
export function publicKeyFromPem(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`expected an Ed25519 public key, got ${key.asymmetricKeyType}`);
  return key;
}

/** Signs an identity with an Ed25519 private key; the signature as base64. */
export function signScript(privateKey: KeyObject, identity: ScriptIdentity): string {
  return sign(null, scriptSignatureMessage(identity), privateKey).toString('base64');
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Whether `signature` (base64) is the key's signature over this identity. Never throws. */
export function verifyScriptSignature(publicKey: KeyObject, identity: ScriptIdentity, signature: string): SignatureCheck {
  const problem = identityProblem(identity);
  if (problem) return { ok: false, reason: `the lease's script identity is malformed: ${problem}` };
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) {
    return { ok: false, reason: 'the signature is not a base64 Ed25519 signature (64 bytes)' };
  }
  let valid: boolean;
  try {
    valid = verify(null, scriptSignatureMessage(identity), publicKey, Buffer.from(signature, 'base64'));
  } catch (error) {
    return { ok: false, reason: `the signature could not be checked: ${(error as Error).message}` };
  }
  return valid ? { ok: true } : { ok: false, reason: 'the signature does not match the script and its identity under the platform key' };
}
