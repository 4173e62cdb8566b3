import { generateKeyPairSync } from 'node:crypto';
import { keyIdOf, signScript } from '@xeenet/contract/signing';
import { describe, expect, it } from 'vitest';
import type { PreparedTask } from '../../src/preparation.ts';
import { refusalCode } from '../../src/preflight.ts';
import { signatureCheck } from '../../src/signature-check.ts';

const platform = generateKeyPairSync('ed25519');
const pinned = {
  keyId: keyIdOf(platform.publicKey),
  publicKeyPem: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  pinnedAt: '2026-12-01T00:00:00.000Z',
};
const OWNER = 'QWNjb3VudDpvd25lcg==';
const identity = { sha256: 'c'.repeat(64), scriptId: '5d1c7d0e-0d8f-4a8e-9b0b-1f1f1f1f1f1f', name: 'char-tiny', version: 2, trust: 'BUILTIN' as const };

function task(script: Record<string, unknown>, campaignOwnerId = OWNER): PreparedTask {
  return {
    lease: {
      campaignOwnerId,
      script: { ...identity, url: '/artifacts/c', sizeBytes: 1, signature: signScript(platform.privateKey, identity), signingKeyId: pinned.keyId, ...script },
    },
  } as unknown as PreparedTask;
}

describe('the signature check', () => {
  const check = signatureCheck({ pinned, accountId: OWNER });

  it('runs a script signed by the pinned key over its exact identity', () => {
    expect(check(task({}))).toEqual({ kind: 'run' });
  });

  it('refuses a tampered identity, a forged signature, another key and a missing signature, each with its code', () => {
    expect(check(task({ version: 3 }))).toMatchObject({ kind: 'refuse', code: 'BAD_SIGNATURE' });
    expect(check(task({ sha256: 'd'.repeat(64) }))).toMatchObject({ kind: 'refuse', code: 'BAD_SIGNATURE' });
    expect(check(task({ trust: 'REVIEWED' }))).toMatchObject({ kind: 'refuse', code: 'BAD_SIGNATURE' });
    const forger = generateKeyPairSync('ed25519');
    expect(check(task({ signature: signScript(forger.privateKey, identity) }))).toMatchObject({ kind: 'refuse', code: 'BAD_SIGNATURE' });
    expect(check(task({ signature: signScript(forger.privateKey, identity), signingKeyId: keyIdOf(forger.publicKey) }))).toMatchObject({
      kind: 'refuse',
      code: 'UNKNOWN_KEY',
    });
    expect(check(task({ signature: null }))).toMatchObject({ kind: 'refuse', code: 'UNSIGNED' });
    expect(check(task({ trust: undefined }))).toMatchObject({ kind: 'refuse', code: 'UNSIGNED' });
    expect(signatureCheck({ pinned: null, accountId: OWNER })(task({}))).toMatchObject({ kind: 'refuse', code: 'UNKNOWN_KEY' });
  });

  it('runs an unsigned OWN script only for a campaign of this machine’s own account', () => {
    expect(check(task({ trust: 'OWN', signature: null, signingKeyId: null }))).toEqual({ kind: 'run' });
    expect(check(task({ trust: 'OWN', signature: null }, 'QWNjb3VudDpzb21lb25lLWVsc2U='))).toMatchObject({ kind: 'refuse', code: 'NOT_OWN' });
    expect(signatureCheck({ pinned, accountId: null })(task({ trust: 'OWN', signature: null }))).toMatchObject({ kind: 'refuse', code: 'NOT_OWN' });
  });

  it('maps verdict codes to the API’s refusal codes', () => {
    expect(refusalCode('BAD_SIGNATURE')).toBe('BAD_SIGNATURE');
    expect(refusalCode('NO_SANDBOX')).toBe('NO_SANDBOX');
    expect(refusalCode('QUIET_HOURS')).toBe('PREFERENCES');
  });
});
