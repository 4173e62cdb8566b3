import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { keyIdOf, verifyScriptSignature } from '@xeenet/contract/signing';
import { describe, expect, it } from 'vitest';
import { loadSigningKey, SIGNING_KEY_FILE, SigningKeyError } from '../../src/modules/signing/signing-key.ts';
import { signedIdentity, trustOf } from '../../src/modules/scripts/script-trust.ts';

const folder = () => mkdtempSync(path.join(tmpdir(), 'xeenet-key-'));
const operatorKey = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('the platform signing key', () => {
  it('is generated once in the data folder with 0600 rights, and the same key is loaded afterwards', () => {
    const dataDir = path.join(folder(), 'data');
    const first = loadSigningKey({ XEENET_DATA_DIR: dataDir });
    expect(first.source).toBe('generated');
    const file = path.join(dataDir, SIGNING_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('BEGIN PRIVATE KEY');
    const again = loadSigningKey({ XEENET_DATA_DIR: dataDir });
    expect(again.source).toBe('data-folder');
    expect(again.keyId).toBe(first.keyId);
  });

  it('uses the operator’s key, as a PEM or a file, over the data folder', () => {
    const pem = operatorKey();
    const fromEnv = loadSigningKey({ XEENET_DATA_DIR: folder(), XEENET_SIGNING_KEY: pem });
    expect(fromEnv.source).toBe('XEENET_SIGNING_KEY');
    const file = path.join(folder(), 'key.pem');
    writeFileSync(file, pem, { mode: 0o600 });
    const fromFile = loadSigningKey({ XEENET_DATA_DIR: folder(), XEENET_SIGNING_KEY_FILE: file });
    expect(fromFile.source).toBe('XEENET_SIGNING_KEY_FILE');
    expect(fromFile.keyId).toBe(fromEnv.keyId);
    expect(fromEnv.publicKey.publicKeyPem).toContain('BEGIN PUBLIC KEY');
  });

  it('says what is wrong with a configured key', () => {
    expect(() => loadSigningKey({ XEENET_DATA_DIR: folder(), XEENET_SIGNING_KEY: operatorKey(), XEENET_SIGNING_KEY_FILE: '/x' })).toThrow(/not both/);
    expect(() => loadSigningKey({ XEENET_DATA_DIR: folder(), XEENET_SIGNING_KEY_FILE: '/nonexistent/key.pem' })).toThrow(/cannot be read: ENOENT/);
    expect(() => loadSigningKey({ XEENET_DATA_DIR: folder(), XEENET_SIGNING_KEY: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' })).toThrow(
      SigningKeyError,
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadSigningKey({ XEENET_DATA_DIR: folder(), XEENET_SIGNING_KEY: rsa })).toThrow(/Ed25519/);
  });

  it('signs what script-trust says to sign: built-ins and approved scripts, never an unreviewed one', () => {
    const signer = loadSigningKey({ XEENET_DATA_DIR: folder() });
    const facts = { id: '7e0a2b7e-1b1a-4c1e-8f51-2b5a4c3d2e1f', sha256: 'e'.repeat(64), name: 'mine', version: 1 };
    expect(trustOf({ origin: 'builtin', reviewState: 'approved' })).toBe('BUILTIN');
    expect(trustOf({ origin: 'upload', reviewState: 'approved' })).toBe('REVIEWED');
    expect(trustOf({ origin: 'upload', reviewState: 'pending_review' })).toBe('OWN');
    expect(signedIdentity({ ...facts, origin: 'upload', reviewState: 'rejected' })).toBeNull();
    const identity = signedIdentity({ ...facts, origin: 'upload', reviewState: 'approved' })!;
    const { signature, keyId } = signer.sign(identity);
    expect(keyId).toBe(signer.keyId);
    const publicKey = createPublicKey(signer.publicKey.publicKeyPem);
    expect(keyIdOf(publicKey)).toBe(signer.keyId);
    expect(verifyScriptSignature(publicKey, identity, signature)).toEqual({ ok: true });
  });
});
