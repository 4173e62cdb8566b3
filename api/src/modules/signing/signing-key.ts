// The platform's Ed25519 signing key: the operator's (XEENET_SIGNING_KEY, a PEM, or
// XEENET_SIGNING_KEY_FILE, a path to one), else the one generated on the first start in the data
// folder (signing-key.pem, mode 0600, beside the database). Loaded once at start; the private half
// never leaves this module except to sign. Replicas must share one key (a shared data folder or
// the same secret), or workers pinned to one replica's key refuse what another signed.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { keyIdOf, rawPublicKey, type ScriptIdentity, SIGNATURE_ALGORITHM, signScript } from '@xeenet/contract/signing';
import type { Env } from '../../env.ts';

export const SIGNING_KEY_FILE = 'signing-key.pem';
/** Where anyone (a volunteer checking what their worker pinned) reads the public key. */
export const SIGNING_KEY_PATH = '/.well-known/xeenet-signing-key';

export type SigningKeySource = 'XEENET_SIGNING_KEY' | 'XEENET_SIGNING_KEY_FILE' | 'generated' | 'data-folder';

/** The public half as published: at SIGNING_KEY_PATH and in the registration reply. */
export interface PublicSigningKey {
  keyId: string;
  algorithm: typeof SIGNATURE_ALGORITHM;
  /** SPKI PEM. */
  publicKeyPem: string;
  /** The raw 32-byte key, base64. */
  publicKeyBase64: string;
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

export class ScriptSigner {
  readonly publicKey: PublicSigningKey;
  readonly source: SigningKeySource;
  /** The file holding the key, when it came from one. */
  readonly file: string | null;
  private readonly privateKey: KeyObject;

  constructor(privateKey: KeyObject, source: SigningKeySource, file: string | null) {
    if (privateKey.asymmetricKeyType !== 'ed25519' || privateKey.type !== 'private') {
      throw new SigningKeyError(`the signing key must be an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? 'none'} ${privateKey.type}`);
    }
    this.privateKey = privateKey;
    this.source = source;
    this.file = file;
    const publicKey = createPublicKey(privateKey);
    this.publicKey = {
      keyId: keyIdOf(publicKey),
      algorithm: SIGNATURE_ALGORITHM,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicKeyBase64: rawPublicKey(publicKey).toString('base64'),
    };
  }

  get keyId(): string {
    return this.publicKey.keyId;
  }

  sign(identity: ScriptIdentity): { signature: string; keyId: string } {
    return { signature: signScript(this.privateKey, identity), keyId: this.keyId };
  }
}

function parsePrivateKey(pem: string, where: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new SigningKeyError(`${where} is not a PEM private key: ${(error as Error).message}`);
  }
}

/**
 * The operator's key when one is configured, else the data folder's (created with 0600 rights on
 * the first start). Throws SigningKeyError saying what is wrong with a configured key.
 */
export function loadSigningKey(env: Pick<Env, 'XEENET_SIGNING_KEY' | 'XEENET_SIGNING_KEY_FILE' | 'XEENET_DATA_DIR'>): ScriptSigner {
  if (env.XEENET_SIGNING_KEY && env.XEENET_SIGNING_KEY_FILE) {
    throw new SigningKeyError('set XEENET_SIGNING_KEY or XEENET_SIGNING_KEY_FILE, not both');
  }
  if (env.XEENET_SIGNING_KEY) {
    return new ScriptSigner(parsePrivateKey(env.XEENET_SIGNING_KEY, 'XEENET_SIGNING_KEY'), 'XEENET_SIGNING_KEY', null);
  }
  if (env.XEENET_SIGNING_KEY_FILE) {
    const file = env.XEENET_SIGNING_KEY_FILE;
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      throw new SigningKeyError(`XEENET_SIGNING_KEY_FILE ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    return new ScriptSigner(parsePrivateKey(pem, `XEENET_SIGNING_KEY_FILE ${file}`), 'XEENET_SIGNING_KEY_FILE', file);
  }
  const file = path.join(env.XEENET_DATA_DIR, SIGNING_KEY_FILE);
  let pem: string | null = null;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (pem !== null) return new ScriptSigner(parsePrivateKey(pem, file), 'data-folder', file);
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole to a private temporary file, then linked into place: link fails if the key
  // exists, so replicas starting together on one shared folder all end up with the first key.
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, flag: 'wx' });
  try {
    chmodSync(temporary, 0o600);
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return new ScriptSigner(parsePrivateKey(readFileSync(file, 'utf8'), file), 'data-folder', file);
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
  return new ScriptSigner(privateKey, 'generated', file);
}
