import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  keyIdOf,
  publicKeyFromPem,
  rawPublicKey,
  type ScriptIdentity,
  scriptSignatureMessage,
  signScript,
  verifyScriptSignature,
} from '../src/signing.ts';

const IDENTITY: ScriptIdentity = {
  sha256: 'a'.repeat(64),
  scriptId: '0b6f3c1e-8d1a-4a53-9a39-3c4f3f0b2d11',
  name: 'char-transformer',
  version: 3,
  trust: 'BUILTIN',
};

const platform = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');

describe('script signatures', () => {
  it('builds one canonical message: a JSON array in a fixed order', () => {
    expect(scriptSignatureMessage(IDENTITY).toString('utf8')).toBe(
      `["xeenet-script-signature-v1","${'a'.repeat(64)}","0b6f3c1e-8d1a-4a53-9a39-3c4f3f0b2d11","char-transformer",3,"BUILTIN"]`,
    );
    // Field order of the object does not matter; the message does not depend on it.
    const reordered = { trust: 'BUILTIN', version: 3, name: 'char-transformer', scriptId: IDENTITY.scriptId, sha256: IDENTITY.sha256 } as const;
    expect(scriptSignatureMessage(reordered).equals(scriptSignatureMessage(IDENTITY))).toBe(true);
  });

  it('verifies its own signature with the public key, also after a PEM round trip', () => {
    const signature = signScript(platform.privateKey, IDENTITY);
    expect(verifyScriptSignature(platform.publicKey, IDENTITY, signature)).toEqual({ ok: true });
    const pem = platform.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyScriptSignature(publicKeyFromPem(pem), IDENTITY, signature)).toEqual({ ok: true });
  });

  it('fails for tampered bytes, each tampered identity field, and another key', () => {
    const signature = signScript(platform.privateKey, IDENTITY);
    const tampered: Partial<ScriptIdentity>[] = [
      { sha256: 'b' + 'a'.repeat(63) },
      { scriptId: '0b6f3c1e-8d1a-4a53-9a39-3c4f3f0b2d12' },
      { name: 'char-tiny' },
      { version: 4 },
      { trust: 'REVIEWED' },
    ];
    for (const change of tampered) {
      const check = verifyScriptSignature(platform.publicKey, { ...IDENTITY, ...change }, signature);
      expect(check.ok, JSON.stringify(change)).toBe(false);
    }
    expect(verifyScriptSignature(other.publicKey, IDENTITY, signature).ok).toBe(false);
    expect(verifyScriptSignature(other.publicKey, IDENTITY, signScript(other.privateKey, IDENTITY))).toEqual({ ok: true });
  });

  it('fails for a tampered signature and for malformed input, without throwing', () => {
    const signature = Buffer.from(signScript(platform.privateKey, IDENTITY), 'base64');
    signature[10] = signature[10]! ^ 0x01;
    expect(verifyScriptSignature(platform.publicKey, IDENTITY, signature.toString('base64')).ok).toBe(false);
    expect(verifyScriptSignature(platform.publicKey, IDENTITY, '').ok).toBe(false);
    expect(verifyScriptSignature(platform.publicKey, IDENTITY, 'not base64 at all')).toMatchObject({ ok: false, reason: expect.stringContaining('base64') });
    expect(verifyScriptSignature(platform.publicKey, { ...IDENTITY, sha256: 'A'.repeat(64) }, signature.toString('base64'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('sha256'),
    });
    expect(verifyScriptSignature(platform.publicKey, { ...IDENTITY, trust: 'OWN' as never }, signature.toString('base64')).ok).toBe(false);
    expect(() => signScript(platform.privateKey, { ...IDENTITY, version: 0 })).toThrow(/version/);
  });

  it('names a key by the hash of its raw public key, the same from either half', () => {
    expect(rawPublicKey(platform.publicKey)).toHaveLength(32);
    expect(keyIdOf(platform.publicKey)).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(keyIdOf(platform.privateKey)).toBe(keyIdOf(platform.publicKey));
    expect(keyIdOf(other.publicKey)).not.toBe(keyIdOf(platform.publicKey));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => keyIdOf(rsa.publicKey)).toThrow(/Ed25519/);
    expect(() => publicKeyFromPem(rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(/Ed25519/);
  });
});
