import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../src/credentials.ts';
import { acquireLock, LockedError } from '../../src/lock.ts';
import { Spool, type SpoolEntry } from '../../src/spool.ts';
import { ensurePrivateDir } from '../../src/util/fs.ts';
import { tempDir } from '../helpers/temp.ts';

function entry(taskId: string, createdAt: string): SpoolEntry {
  return {
    version: 1,
    server: 'http://s',
    workerId: 'w1',
    taskId,
    leaseToken: '0b7f2c1e-6a4c-4c2f-9d3b-1f2e3d4c5b6a',
    createdAt,
    report: { kind: 'fail', input: { taskId, leaseToken: 'x', reason: 'r', stdoutTail: null, stderrTail: null, retryable: true } },
  };
}

describe('Spool', () => {
  it('writes entries atomically, lists them oldest first, replaces by task and lease, removes', async () => {
    const spool = new Spool(tempDir('xeenet-worker-spool-'));
    const second = await spool.put(entry('VGFzazoy', '2026-01-01T00:00:02Z'));
    await spool.put(entry('VGFzazox', '2026-01-01T00:00:01Z'));
    await spool.put(entry('VGFzazoy', '2026-01-01T00:00:02Z'));
    const listed = await spool.list();
    expect(listed.map((item) => item.entry.taskId)).toEqual(['VGFzazox', 'VGFzazoy']);
    expect(statSync(path.join(spool.dir, second)).mode & 0o777).toBe(0o600);
    // No temporary files are left behind.
    expect(readdirSync(spool.dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await spool.remove(second);
    expect((await spool.list()).map((item) => item.entry.taskId)).toEqual(['VGFzazox']);
  });

  it('ignores torn temporary files and moves unreadable entries aside', async () => {
    const spool = new Spool(tempDir('xeenet-worker-spool-'));
    await spool.put(entry('VGFzazox', '2026-01-01T00:00:01Z'));
    writeFileSync(path.join(spool.dir, '.VGFzazoz.json.abc.tmp'), '{"version":1,');
    writeFileSync(path.join(spool.dir, 'broken.json'), '{"version":');
    expect((await spool.list()).map((item) => item.entry.taskId)).toEqual(['VGFzazox']);
    expect(readdirSync(path.join(spool.dir, 'corrupt'))).toEqual(['broken.json']);
  });
});

describe('CredentialStore', () => {
  it('keeps tokens per server and mode in a 0600 file in a 0700 folder', async () => {
    const dir = path.join(tempDir('xeenet-worker-cred-'), 'config');
    const store = new CredentialStore(dir);
    expect(await store.get('http://a', 'real')).toBeNull();
    const credential = { token: 't1', workerId: 'w1', name: 'n', registeredAt: 'now', slots: 1, accountTokenSha256: null };
    await store.set('http://a', 'real', credential);
    await store.set('http://a', 'simulated', { ...credential, token: 't2' });
    await store.set('http://b', 'real', { ...credential, token: 't3' });
    expect((await store.get('http://a', 'real'))?.token).toBe('t1');
    expect((await store.get('http://a', 'simulated'))?.token).toBe('t2');
    expect((await store.get('http://b', 'real'))?.token).toBe('t3');
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('tightens a config folder that already existed with looser permissions', async () => {
    const dir = path.join(tempDir('xeenet-worker-cred-'), 'config');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    await new CredentialStore(dir).set('http://a', 'real', { token: 't1', workerId: 'w1', name: 'n', registeredAt: 'now', slots: 1, accountTokenSha256: null });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});

describe('ensurePrivateDir', () => {
  it('creates a 0700 folder and tightens an existing one', async () => {
    const dir = path.join(tempDir('xeenet-worker-private-'), 'config');
    await ensurePrivateDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    chmodSync(dir, 0o755);
    await ensurePrivateDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});

describe('acquireLock', () => {
  it('allows one worker per state folder and takes over a dead owner’s lock', async () => {
    const dir = tempDir('xeenet-worker-lock-');
    writeFileSync(path.join(dir, 'worker.lock'), `${2 ** 22 + 12345}\n`); // no such process
    const lock = await acquireLock(dir);
    writeFileSync(lock.file, `${process.ppid}\n`); // a live process (the test runner's parent)
    await expect(acquireLock(dir)).rejects.toBeInstanceOf(LockedError);
    writeFileSync(lock.file, `${process.pid}\n`);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
