// First start of the embedded default: migrations, an admin with a token shown once, datasets.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../src/app.ts';
import { ADMIN_TOKEN, testEnv } from '../helpers/env.ts';
import { gql } from '../helpers/graphql.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const REPO_SCRIPTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../training-scripts');
const TINYSHAKESPEARE_SHA256 = '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed';

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

describe('artifacts registered at start', () => {
  let started: App | null = null;
  let database: TestDatabase | null = null;
  afterEach(async () => {
    await started?.close();
    started = null;
    await database?.drop();
    database = null;
  });

  const ARTIFACTS = `query ($kind: ArtifactKind) { artifacts(kind: $kind, first: 20) { edges { node { name sha256 available searchSpace defaultBudgetS metric } } } }`;
  const byName = (data: Record<string, any>, name: string) =>
    data.artifacts.edges.map((edge: { node: Record<string, unknown> }) => edge.node).find((node: { name: string }) => node.name === name);

  it('registers the real training scripts by SHA-256 with their manifest entries', async () => {
    database = await createTestDatabase();
    started = await startApp(testEnv({ DATABASE_URL: database.url, XEENET_TRAINING_SCRIPTS_DIR: REPO_SCRIPTS }));
    const data = await gql(started.graphqlUrl, ARTIFACTS, { kind: 'SCRIPT' }, ADMIN_TOKEN);
    const manifest = JSON.parse(readFileSync(path.join(REPO_SCRIPTS, 'manifest.json'), 'utf8')) as {
      scripts: { name: string; file: string; searchSpace: string; defaultBudgetS: number; metric: string }[];
    };
    expect(manifest.scripts.map((script) => script.name).sort()).toEqual(['char-tiny', 'char-transformer']);
    for (const script of manifest.scripts) {
      const registered = byName(data, script.name);
      expect(registered).toMatchObject({
        sha256: createHash('sha256').update(readFileSync(path.join(REPO_SCRIPTS, script.file))).digest('hex'),
        available: true,
        defaultBudgetS: script.defaultBudgetS,
        metric: script.metric,
        searchSpace: JSON.parse(readFileSync(path.join(REPO_SCRIPTS, script.searchSpace), 'utf8')),
      });
    }
  });

  it('takes TinyShakespeare from a folder or its URL only when the bytes match the pinned hash', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'xeenet-datasets-'));
    writeFileSync(path.join(folder, 'tinyshakespeare.txt'), 'First Citizen:\nBefore we proceed any further, hear me speak.\n');
    const impostor = createServer((_req, res) => res.end('not shakespeare at all'));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      database = await createTestDatabase();
      started = await startApp(
        testEnv({
          DATABASE_URL: database.url,
          XEENET_DATASETS_DIR: folder,
          XEENET_FETCH_DATASETS: 'true',
          XEENET_TINYSHAKESPEARE_URL: `http://127.0.0.1:${(impostor.address() as AddressInfo).port}/input.txt`,
        }),
      );
      await started.datasetsReady;
      const data = await gql(started.graphqlUrl, ARTIFACTS, { kind: 'DATASET' }, ADMIN_TOKEN);
      expect(byName(data, 'tinyshakespeare')).toMatchObject({ sha256: TINYSHAKESPEARE_SHA256, available: false });
      expect((await fetch(`${started.url}/artifacts/${TINYSHAKESPEARE_SHA256}`)).status).toBe(404);
    } finally {
      impostor.close();
    }

    const shared = ['/work/shared/data', path.resolve(REPO_SCRIPTS, '../../shared/data')].find((dir) => existsSync(path.join(dir, 'tinyshakespeare.txt')));
    if (!shared) return; // the genuine file is test data that a checkout may not have
    await started.close();
    started = await startApp(testEnv({ DATABASE_URL: database.url, XEENET_DATASETS_DIR: shared }));
    const after = await gql(started.graphqlUrl, ARTIFACTS, { kind: 'DATASET' }, ADMIN_TOKEN);
    expect(byName(after, 'tinyshakespeare')).toMatchObject({ available: true });
    const served = Buffer.from(await (await fetch(`${started.url}/artifacts/${TINYSHAKESPEARE_SHA256}`)).arrayBuffer());
    expect(createHash('sha256').update(served).digest('hex')).toBe(TINYSHAKESPEARE_SHA256);
  });
});
