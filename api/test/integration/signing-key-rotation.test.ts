// The operator's key replaces the generated one: on the next start every built-in and approved
// script is signed again with it, and the published key follows.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { publicKeyFromPem, verifyScriptSignature } from '@xeenet/contract/signing';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/app.ts';
import { DATABASES } from '../helpers/app.ts';
import { testEnv } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

describe.each(DATABASES)('rotating the signing key on %s', (database) => {
  let db: TestDatabase | null = null;
  let app: App | null = null;
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('signs the scripts again with the new key at the next start', async () => {
    if (database === 'postgresql') db = await createTestDatabase();
    // PGlite keeps its database in the data folder, so both starts share it.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'xeenet-rotate-'));
    const base = { DATABASE_URL: db?.url, XEENET_DATA_DIR: dataDir };
    const signedBuiltin = async () => {
      const list = await gql(app!.graphqlUrl, '{ signingKey { keyId publicKeyPem } scripts(reviewState: APPROVED) { edges { node { id name version sha256 signature signingKeyId } } } }');
      const node = list.scripts.edges.map((edge: { node: Record<string, any> }) => edge.node).find((script: { name: string }) => script.name === 'fixture-script');
      return { key: list.signingKey, node };
    };

    app = await startApp(testEnv(base));
    const before = await signedBuiltin();
    expect(before.node.signingKeyId).toBe(before.key.keyId);
    await app.close();

    const operatorKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    app = await startApp(testEnv({ ...base, XEENET_SIGNING_KEY: operatorKey }));
    const after = await signedBuiltin();
    expect(after.key.keyId).not.toBe(before.key.keyId);
    expect(after.node).toMatchObject({ id: before.node.id, signingKeyId: after.key.keyId });
    const identity = { sha256: after.node.sha256, scriptId: decodeGlobalID(after.node.id).id, name: after.node.name, version: after.node.version, trust: 'BUILTIN' as const };
    expect(verifyScriptSignature(publicKeyFromPem(after.key.publicKeyPem), identity, after.node.signature)).toEqual({ ok: true });
    expect(verifyScriptSignature(publicKeyFromPem(before.key.publicKeyPem), identity, after.node.signature).ok).toBe(false);
  }, 120_000);
});
