// Script signatures and the pinned platform key, with the real CLI against the real API: a lease
// whose signature does not verify is refused with a typed reason (refuseTask), never handed to
// Python, and its attempt is not counted; a server key other than the pinned one stops the worker
// until it registers again on purpose.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { signScript } from '@xeenet/contract/signing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, postgresReachable, startApi } from '../helpers/api.ts';
import { credentialsFile, runDirs } from '../helpers/files.ts';
import { campaign, gql, submitBrief } from '../helpers/platform.ts';
import { scriptsFolder } from '../helpers/scripts.ts';
import { newHome, startWorker } from '../helpers/worker.ts';

// The bad signature is written into the database behind the API's back (as a tampered row or a
// compromised replica would), which needs the PostgreSQL server.
const postgres = await postgresReachable();
let api: ApiProcess;
const home = newHome();

beforeAll(async () => {
  if (!postgres) return;
  api = await startApi({ scriptsDir: scriptsFolder({ 'env-probe': 'env_probe.py' }), leaseTtlS: 10 });
});

afterAll(async () => {
  await api?.dispose();
});

describe.runIf(postgres)('script signatures', () => {
  it('refuses a lease whose signature does not verify: typed reason, no Python, attempt not counted, not leased to it again', async () => {
    const db = new pg.Client({ connectionString: api.databaseUrl! });
    await db.connect();
    try {
      // A well-formed signature over the script's exact identity, by a key that is not the platform's.
      const { rows } = await db.query<{ id: string; sha256: string; name: string; version: number }>(
        `select id, artifact_sha256 as sha256, name, version from script where name = 'env-probe' and origin = 'builtin'`,
      );
      const row = rows[0]!;
      const forged = signScript(generateKeyPairSync('ed25519').privateKey, { sha256: row.sha256, scriptId: row.id, name: row.name, version: row.version, trust: 'BUILTIN' });
      await db.query('update script set signature = $1 where id = $2', [forged, row.id]);

      const created = await submitBrief(api, { script: 'env-probe', taskCount: 1, budgetS: 2, maxAttempts: 1, searchSpace: { x: 1 } });
      const worker = startWorker({ server: api.url, home, args: ['--max-tasks', '1'] });
      const refusing = await worker.waitForLog((line) => line.msg === 'refusing the task', 90_000, 'the worker to refuse the task');
      expect(refusing.code).toBe('BAD_SIGNATURE');
      expect(refusing.reason).toContain('does not match');
      const reported = await worker.waitForLog((line) => line.msg === 'task refused', 15_000, 'the refusal to be reported');
      expect(reported.code).toBe('BAD_SIGNATURE');
      const exit = await worker.exited;
      expect(exit.code).toBe(0);
      // Nothing of the task ran: it never started, and no run folder was made for it.
      expect(worker.logs.filter((line) => line.msg === 'task started')).toEqual([]);
      expect(runDirs(home)).toEqual([]);

      const [only] = (await campaign(api, created.id)).tasks;
      const view = await gql(api, 'query ($id: ID!) { node(id: $id) { ... on Task { status attempts } } }', { id: only!.id });
      expect(view.node).toMatchObject({ status: 'QUEUED', attempts: 0 });
      // The same machine is never offered it again (another machine would get it, attempt 1).
      const machineToken = JSON.parse(readFileSync(credentialsFile(home), 'utf8')).servers[api.url].real.token as string;
      const offered = await gql(api, 'mutation { leaseTask { ... on MutationLeaseTaskSuccess { data { lease { taskId } } } } }', {}, machineToken);
      expect(offered.leaseTask.data.lease).toBeNull();
      const refusals = await db.query<{ code: string; reason: string }>('select code, reason from task_refusal');
      expect(refusals.rows).toEqual([{ code: 'bad_signature', reason: refusing.reason }]);
    } finally {
      await db.end();
    }
  }, 180_000);

  it('refuses to start when the server publishes another key than the pinned one, until registered again on purpose', async () => {
    // The machine registered (and pinned the key) in the test above; now the pinned key differs
    // from the server's, as after an operator's rotation or in front of an impostor.
    const file = credentialsFile(home);
    const contents = JSON.parse(readFileSync(file, 'utf8'));
    const credential = contents.servers[api.url].real;
    const serverKeyId = credential.signingKey.keyId as string;
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    credential.signingKey = { keyId: 'ed25519:0000000000000000', publicKeyPem: other, pinnedAt: '2026-01-01T00:00:00.000Z' };
    writeFileSync(file, JSON.stringify(contents), { mode: 0o600 });

    const refused = startWorker({ server: api.url, home, args: ['--max-tasks', '1'] });
    const exit = await refused.exited;
    expect(exit.code).toBe(1);
    expect(refused.stderr()).toContain("the server's script-signing key changed");
    expect(refused.stderr()).toContain('ed25519:0000000000000000');
    expect(refused.stderr()).toContain(serverKeyId);
    expect(refused.stderr()).toContain('--reregister');
    expect(refused.logs.filter((line) => line.msg === 'worker ready')).toEqual([]);

    const again = startWorker({ server: api.url, home, args: ['--reregister'] });
    await again.waitForLog((line) => line.msg === 'registered this machine', 60_000, 'the machine to register again');
    again.signal('SIGTERM');
    await again.exited;
    const pinned = JSON.parse(readFileSync(file, 'utf8')).servers[api.url].real.signingKey;
    expect(pinned.keyId).toBe(serverKeyId);
  }, 180_000);
});
