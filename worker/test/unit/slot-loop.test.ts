// The slot loop with fake jobs: states, fetching ahead, both stops, errors.
import { describe, expect, it } from 'vitest';
import { type AheadDecision, SlotLoop, type SlotLoopOptions } from '../../src/slot-loop.ts';
import { warmLeadFor } from '../../src/task-cycle.ts';
import { sleep } from '../../src/util/backoff.ts';

interface Job {
  id: number;
  ahead: boolean;
}

/** A queue of n jobs of durationMs each, recording what the loop did with them. */
function harness(n: number, durationMs: number, overrides: Partial<SlotLoopOptions<Job, string>> = {}) {
  let next = 0;
  const events: string[] = [];
  const options: SlotLoopOptions<Job, string> = {
    fetch: async (signal) => {
      if (next >= n) {
        await sleep(60_000, signal);
        return null;
      }
      return { id: next++, ahead: false };
    },
    fetchAhead: async () => (next < n ? { id: next++, ahead: true } : null),
    aheadInMs: () => 0,
    mayFetchAhead: (): AheadDecision => 'now',
    run: async (job, { signal, started }) => {
      events.push(`run ${job.id}${job.ahead ? ' (ahead)' : ''}`);
      started();
      await sleep(durationMs, signal);
      return signal.aborted ? 'aborted' : 'done';
    },
    report: async (job, result) => {
      events.push(`report ${job.id} ${result}`);
    },
    release: async (job, why) => {
      events.push(`release ${job.id}: ${why}`);
    },
    onError: (error) => events.push(`error ${(error as Error).message}`),
    errorPauseMs: 10,
    aheadRetryMs: 10,
    ...overrides,
  };
  return { loop: new SlotLoop(options), events };
}

describe('SlotLoop', () => {
  it('goes created → active → stopping → stopped, fetching each next job ahead while one runs', async () => {
    const { loop, events } = harness(3, 30);
    expect(loop.state).toBe('created');
    const done = loop.start();
    expect(loop.state).toBe('active');
    await sleep(200);
    loop.stop();
    expect(loop.state).toBe('stopping');
    await done;
    expect(loop.state).toBe('stopped');
    expect(events).toEqual(['run 0', 'report 0 done', 'run 1 (ahead)', 'report 1 done', 'run 2 (ahead)', 'report 2 done']);
  });

  it('stop(): the running job finishes and is reported, the job fetched ahead is given back', async () => {
    const { loop, events } = harness(3, 200, { aheadInMs: () => 20 });
    const done = loop.start();
    await sleep(100);
    loop.stop();
    await done;
    expect(events).toEqual(['run 0', 'report 0 done', 'release 1: worker stopping before the task started']);
  });

  it('abort(): the running job sees its signal abort at once', async () => {
    const { loop, events } = harness(1, 60_000);
    const done = loop.start();
    await sleep(50);
    const stoppedAt = Date.now();
    loop.abort();
    await done;
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
    expect(events).toEqual(['run 0', 'report 0 aborted']);
  });

  it("pause('finish'): the running job finishes and reports, the job fetched ahead is given back, nothing is fetched until resume()", async () => {
    const { loop, events } = harness(4, 200, { aheadInMs: () => 20 });
    const done = loop.start();
    await sleep(100);
    loop.pause('finish', 'outside the hours');
    expect(loop.state).toBe('paused');
    await sleep(400);
    expect(events).toEqual(['run 0', 'report 0 done', 'release 1: paused before the task started: outside the hours']);
    loop.resume();
    expect(loop.state).toBe('active');
    await sleep(100);
    loop.stop();
    await done;
    expect(events.slice(3)).toEqual(['run 2', 'report 2 done', 'release 3: worker stopping before the task started']);
    expect(loop.state).toBe('stopped');
  });

  it("pause('release'): the running job's signal aborts with the pause's reason; the loop lives on", async () => {
    const reasons: unknown[] = [];
    const { loop, events } = harness(3, 60_000, {
      fetchAhead: async () => null,
      run: async (job, { signal, started }) => {
        events.push(`run ${job.id}`);
        started();
        await sleep(60_000, signal);
        reasons.push(signal.reason);
        return 'aborted';
      },
    });
    const done = loop.start();
    await sleep(50);
    loop.pause('release', 'paused by the volunteer');
    await sleep(100);
    expect(events).toEqual(['run 0', 'report 0 aborted']);
    expect(reasons).toEqual(['paused: paused by the volunteer']);
    loop.resume();
    await sleep(50);
    expect(events).toEqual(['run 0', 'report 0 aborted', 'run 1']);
    loop.abort();
    await done;
  });

  it('a pause ends the wait for work; a stop while paused ends the loop', async () => {
    let fetches = 0;
    const { loop } = harness(0, 10, {
      fetch: async (signal) => {
        fetches++;
        await sleep(60_000, signal);
        return null;
      },
    });
    const done = loop.start();
    await sleep(30);
    loop.pause('finish', 'daily cap');
    await sleep(50);
    expect(fetches).toBe(1);
    loop.stop();
    await done;
    expect(loop.state).toBe('stopped');
  });

  it('a stop while it waits for work ends the wait', async () => {
    const { loop, events } = harness(0, 10);
    const done = loop.start();
    await sleep(50);
    loop.stop();
    await done;
    expect(events).toEqual([]);
  });

  it('fetches ahead only when allowed ("later": asks again)', async () => {
    let asked = 0;
    const { loop, events } = harness(2, 150, { mayFetchAhead: () => (++asked < 3 ? 'later' : 'now') });
    const done = loop.start();
    await sleep(400);
    loop.stop();
    await done;
    expect(asked).toBeGreaterThanOrEqual(3);
    expect(events.slice(0, 3)).toEqual(['run 0', 'report 0 done', 'run 1 (ahead)']);
  });

  it('an error in run gives the job back, pauses, and carries on', async () => {
    let failures = 0;
    const { loop, events } = harness(2, 10, {
      fetchAhead: async () => null,
      run: async (job, { started }) => {
        started();
        if (job.id === 0 && failures++ === 0) throw new Error('disk full');
        events.push(`run ${job.id}`);
        return 'done';
      },
    });
    const done = loop.start();
    await sleep(200);
    loop.stop();
    await done;
    expect(events).toEqual(['error disk full', 'release 0: internal error', 'run 1', 'report 1 done']);
  });

  it('waits for its background reports before it says stopped', async () => {
    let written = false;
    const { loop } = harness(1, 10, {
      report: async () => {
        await sleep(100);
        written = true;
      },
    });
    const done = loop.start();
    await sleep(40);
    loop.stop();
    await done;
    expect(written).toBe(true);
  });
});

describe('warmLeadFor', () => {
  it('starts the next interpreter as late as it can still be ready: 1.5 × its measured start-up + 0.5 s, 1 s to the prefetch lead', () => {
    expect(warmLeadFor(null, 5)).toBe(5);
    expect(warmLeadFor(1, 5)).toBe(2);
    expect(warmLeadFor(0.2, 5)).toBe(1);
    expect(warmLeadFor(4, 5)).toBe(5);
  });
});
