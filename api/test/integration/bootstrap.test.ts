// First start of the embedded default: migrations, an admin with a token shown once, datasets.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/app.ts';
import { testEnv } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

describe('embedded PGlite default', () => {
  let app: App | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  it('creates an admin on first start only, persists data, and serves artifacts by hash', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'xeenet-boot-'));
    const env = testEnv({ XEENET_DATA_DIR: dataDir, XEENET_ADMIN_TOKEN: undefined });
    app = await startApp(env);
    const token = app.adminToken;
    expect(token).toMatch(/^xn_[A-Za-z0-9_-]{43}$/);
    const me = await gql(app.graphqlUrl, '{ me { name role balance } artifacts(kind: DATASET) { edges { node { name available sha256 } } } }', {}, token);
    expect(me.me).toMatchObject({ name: 'admin', role: 'ADMIN' });
    const brown = me.artifacts.edges.find((edge: { node: { name: string } }) => edge.node.name === 'brown').node;
    expect(brown.available).toBe(true);

    const head = await fetch(`${app.url}/artifacts/${brown.sha256}`, { headers: { 'if-none-match': `"${brown.sha256}"` } });
    expect(head.status).toBe(304);
    expect((await fetch(`${app.url}/artifacts/${'0'.repeat(64)}`)).status).toBe(404);
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ ok: true });
    await app.close();

    app = await startApp(env);
    expect(app.adminToken).toBeNull();
    expect((await gql(app.graphqlUrl, '{ me { name } }', {}, token)).me.name).toBe('admin');
  });

  it('lists TinyShakespeare as unavailable until its bytes arrive, and refuses briefs on it', async () => {
    app = await startApp(testEnv({ XEENET_DATASETS_DIR: undefined }));
    const data = await gql(
      app.graphqlUrl,
      `mutation { submitBrief(input: {name: "n", hypothesis: "h", script: "fixture-script", dataset: "tinyshakespeare",
        searchSpace: {lr: 0.001}, taskCount: 1, budgetS: 5}) { __typename ... on ValidationError { fieldErrors { path message } } } }`,
      {},
      app.deps.env.XEENET_ADMIN_TOKEN,
    );
    expect(data.submitBrief.fieldErrors).toEqual([
      { path: ['dataset'], message: 'the dataset "tinyshakespeare" is registered but its content has not arrived yet' },
    ]);
  });
});

describe('replicas starting together on a fresh PostgreSQL database', () => {
  let database: TestDatabase | null = null;
  const apps: App[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((started) => started.close()));
    await database?.drop();
    database = null;
  });

  it('migrate and bootstrap once: all three start, one admin, one token shown', async () => {
    database = await createTestDatabase();
    const env = testEnv({ DATABASE_URL: database.url, XEENET_ADMIN_TOKEN: undefined });
    const results = await Promise.allSettled([startApp(env), startApp(env), startApp(env)]);
    for (const result of results) if (result.status === 'fulfilled') apps.push(result.value);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(apps.filter((started) => started.adminToken).length).toBe(1);
    const admins = await gql(apps[0]!.graphqlUrl, '{ me { role } }', {}, apps.find((started) => started.adminToken)!.adminToken);
    expect(admins.me.role).toBe('ADMIN');
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query(`select count(*)::int as n from account where role = 'admin'`);
      expect(rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
  });
});
