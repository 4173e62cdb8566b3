// The live lease store's rules that keep expiry correct, and the lease batcher's bookkeeping.
import { describe, expect, it } from 'vitest';
import { LeaseBatcher } from '../../src/modules/tasks/lease-batcher.ts';
import { heartbeatWriteIntervalMs, MemoryLiveLeases } from '../../src/modules/tasks/live-leases.ts';
import type { LeasedRow, LeaseRequest } from '../../src/modules/tasks/sql/lease-tasks.ts';

const lease = { token: 't1', workerId: 'w1', campaignId: 'c1', expiresAt: 0, message: null };

describe('heartbeat write interval', () => {
  it('is the configured interval, capped at half the TTL so the next write lands before the written lease runs out', () => {
    expect(heartbeatWriteIntervalMs({ XEENET_HEARTBEAT_WRITE_S: 15, XEENET_LEASE_TTL_S: 30 })).toBe(15_000);
    expect(heartbeatWriteIntervalMs({ XEENET_HEARTBEAT_WRITE_S: 15, XEENET_LEASE_TTL_S: 5 })).toBe(2_500);
    expect(heartbeatWriteIntervalMs({ XEENET_HEARTBEAT_WRITE_S: 0, XEENET_LEASE_TTL_S: 30 })).toBe(0);
    // A worker beats at most every TTL/3: the write after the last one comes within TTL/2 + TTL/3 < TTL.
    for (const ttl of [5, 30, 60, 3600]) {
      const writeS = heartbeatWriteIntervalMs({ XEENET_HEARTBEAT_WRITE_S: 600, XEENET_LEASE_TTL_S: ttl }) / 1000;
      expect(writeS + ttl / 3).toBeLessThan(ttl);
    }
  });
});

describe('MemoryLiveLeases', () => {
  it('answers a heartbeat with the written lease only within its validity, and keeps the progress', async () => {
    const store = new MemoryLiveLeases(30_000);
    const live = { token: 't1', workerId: 'w1', progress: { step: 3 }, heartbeatAt: 1 };
    expect(await store.beat('task', live)).toBeNull();
    await store.written('task', lease, 40);
    expect(await store.beat('task', live)).toEqual(lease);
    expect(await store.progress(['task', 'other'])).toEqual([live, null]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await store.beat('task', live)).toBeNull();
    await store.close();
  });

  it('forgets a lease that ended, and never remembers one with no validity left', async () => {
    const store = new MemoryLiveLeases(30_000);
    const live = { token: 't1', workerId: 'w1', progress: null, heartbeatAt: 1 };
    await store.written('task', lease, 10_000);
    await store.forget(['task']);
    expect(await store.beat('task', live)).toBeNull();
    await store.written('late', lease, -5);
    expect(await store.beat('late', live)).toBeNull();
    await store.close();
  });
});

describe('LeaseBatcher', () => {
  const row = (request: number, id: string) => ({ request, id }) as unknown as LeasedRow;

  it('sends requests that arrive together as one batch and hands each its own rows', async () => {
    const calls: { requests: readonly LeaseRequest[]; simulated: boolean }[] = [];
    const batcher = new LeaseBatcher({
      maxBatch: 64,
      run: async (requests, simulated) => {
        calls.push({ requests, simulated });
        // The statement gives the queue heads to the requests in order: here one each, the last gets none.
        return requests.slice(0, -1).map((_, i) => row(i, `task-${i}`));
      },
    });
    const results = await Promise.all([
      batcher.lease({ workerId: 'a', maxTasks: 1, simulated: false }),
      batcher.lease({ workerId: 'b', maxTasks: 1, simulated: false }),
      batcher.lease({ workerId: 'c', maxTasks: 1, simulated: false }),
      batcher.lease({ workerId: 's', maxTasks: 1, simulated: true }),
    ]);
    expect(calls.map((call) => [call.simulated, call.requests.map((r) => r.workerId)])).toEqual([
      [false, ['a', 'b', 'c']],
      [true, ['s']],
    ]);
    expect(results.map((rows) => rows.map((r) => r.id))).toEqual([['task-0'], ['task-1'], [], []]);
  });

  it('caps batches at maxBatch and fails every request of a batch whose statement failed', async () => {
    const sizes: number[] = [];
    const batcher = new LeaseBatcher({
      maxBatch: 2,
      run: async (requests) => {
        sizes.push(requests.length);
        throw new Error('database down');
      },
    });
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((workerId) => batcher.lease({ workerId, maxTasks: 1, simulated: false })));
    expect(sizes).toEqual([2, 1]);
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
  });
});
