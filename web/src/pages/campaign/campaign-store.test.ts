import { describe, expect, it } from 'vitest';
import type { TaskRowFragment } from '../../gql/graphql';
import { point, succeeded, task } from '../../test/fixtures';
import { CampaignStore, newer, repairFor } from './campaign-store';

const t = (value: unknown) => value as TaskRowFragment;

describe('CampaignStore', () => {
  it('lists pages in order and turns succeeded tasks into points', () => {
    const store = new CampaignStore();
    store.addPage([t(task(0)), t(succeeded(1, 2.5))], 3, false);
    store.addPage([t(task(2))], 3, true);
    const snap = store.getSnapshot();
    expect(snap.tasks.map((x) => x.index)).toEqual([0, 1, 2]);
    expect(snap.points.map((p) => p.taskId)).toEqual(['task-1']);
    expect(snap).toMatchObject({ totalCount: 3, complete: true });
  });

  it('never lets an older page undo a live event', () => {
    const store = new CampaignStore();
    store.apply([t(succeeded(0, 2.1))]);
    store.addPage([t(task(0, { status: 'LEASED', attempts: 1 }))], 1, true);
    expect(store.getSnapshot().tasks[0]!.status).toBe('SUCCEEDED');
  });

  it('adds each result once, in finish order, merged with the loaded points', () => {
    const store = new CampaignStore();
    const early = succeeded(1, 2.4);
    store.apply([t(succeeded(5, 2.0)), t(succeeded(5, 2.0))]);
    store.setPoints([point(early) as never]);
    expect(store.getSnapshot().points.map((p) => p.index)).toEqual([1, 5]);
    store.apply([t(early)]);
    expect(store.getSnapshot().points).toHaveLength(2);
  });

  it('keeps the same snapshot when nothing changed, so React skips the render', () => {
    const store = new CampaignStore();
    store.addPage([t(task(0))], 1, true);
    const before = store.getSnapshot();
    store.apply([t(task(0))]);
    expect(store.getSnapshot()).toBe(before);
  });

  it('orders versions by updatedAt: a requeue (same or fewer attempts) replaces the running row', () => {
    const leased = t(task(0, { status: 'LEASED', attempts: 2, progress: { step: 5 }, updatedAt: '2026-11-22T08:00:01.000Z' }));
    // Lease expired or a retryable failure: back in the queue with the same attempt count.
    const requeued = t(task(0, { status: 'QUEUED', attempts: 2, updatedAt: '2026-11-22T08:00:02.000Z' }));
    // A worker released it: the attempt is given back.
    const released = t(task(0, { status: 'QUEUED', attempts: 1, updatedAt: '2026-11-22T08:00:03.000Z' }));
    expect(newer(leased, requeued)).toBe(requeued);
    expect(newer(requeued, leased)).toBe(requeued);
    expect(newer(leased, released)).toBe(released);
    // And a page read before the requeue does not bring the running state back.
    const store = new CampaignStore();
    store.addPage([leased], 1, true);
    store.apply([requeued]);
    store.addPage([leased], 1, true);
    expect(store.getSnapshot().tasks[0]).toMatchObject({ status: 'QUEUED', attempts: 2 });
  });

  it('falls back to attempts, then state, then progress when the stamps are equal', () => {
    const leased = t(task(0, { status: 'LEASED', attempts: 1, progress: { step: 5 } }));
    const further = t(task(0, { status: 'LEASED', attempts: 1, progress: { step: 9 } }));
    const retried = t(task(0, { status: 'QUEUED', attempts: 2 }));
    expect(newer(leased, further)).toBe(further);
    expect(newer(further, retried)).toBe(retried);
    expect(newer(t(succeeded(0, 2, { updatedAt: leased.updatedAt })), leased).status).toBe('SUCCEEDED');
  });

  it('merges a batch of results once, in finish order, however they arrived', () => {
    const store = new CampaignStore();
    store.setPoints([point(succeeded(1, 2.4)) as never]);
    let snapshots = 0;
    store.subscribe(() => (snapshots += 1));
    store.apply([t(succeeded(9, 2.0)), t(succeeded(0, 2.2)), t(succeeded(5, 2.1)), t(task(3))]);
    expect(snapshots).toBe(1);
    expect(store.getSnapshot().points.map((p) => p.index)).toEqual([0, 1, 5, 9]);
  });

  it('adds a 30,000-result batch without copying the list per result', () => {
    const store = new CampaignStore();
    const batch = Array.from({ length: 30_000 }, (_, i) => t(succeeded(i, 2, { finishedAt: new Date(Date.UTC(2026, 10, 22) + i).toISOString() })));
    const started = performance.now();
    store.apply(batch);
    const elapsed = performance.now() - started;
    expect(store.getSnapshot().points).toHaveLength(30_000);
    // One copy and one sort: tens of ms. A copy per result (30,000 × 15,000 on average) took seconds.
    expect(elapsed).toBeLessThan(1000);
  });

  it('says whether it already holds a version of a task', () => {
    const store = new CampaignStore();
    const leased = t(task(0, { status: 'LEASED', attempts: 1, updatedAt: '2026-11-22T08:00:01.000Z' }));
    store.addPage([leased], 1, true);
    expect(store.knows(leased)).toBe(true);
    expect(store.knows(t(task(0, { status: 'QUEUED', attempts: 1, updatedAt: '2026-11-22T08:00:02.000Z' })))).toBe(false);
    expect(store.knows(t(task(1)))).toBe(false);
  });

  it('merges a resync read like events and says whether it reached what the store already knew', () => {
    const store = new CampaignStore();
    const stamp = (s: number) => `2026-11-22T08:00:${String(s).padStart(2, '0')}.000Z`;
    store.addPage([0, 1, 2, 3].map((i) => t(task(i, { updatedAt: stamp(1) }))), 4, true);
    store.setPoints([]);
    // Newest first, as the API returns them: task 3 finished unseen, task 2 is as the store knows it.
    const covered = store.applyRecent([t(succeeded(3, 2.2, { updatedAt: stamp(5) })), t(task(2, { updatedAt: stamp(1) }))], 2);
    expect(covered).toBe(true);
    expect(store.getSnapshot().tasks[3]!.status).toBe('SUCCEEDED');
    expect(store.getSnapshot().points.map((p) => p.index)).toEqual([3]);
    // A full window whose oldest entry is new to the store: older changes may be missing too.
    const uncovered = store.applyRecent([t(task(1, { status: 'LEASED', attempts: 1, updatedAt: stamp(7) })), t(task(0, { status: 'LEASED', attempts: 1, updatedAt: stamp(6) }))], 2);
    expect(uncovered).toBe(false);
    expect(store.getSnapshot().tasks.map((x) => x.status)).toEqual(['LEASED', 'LEASED', 'QUEUED', 'SUCCEEDED']);
    // A short window holds every change there was.
    expect(store.applyRecent([t(task(0, { status: 'QUEUED', attempts: 1, updatedAt: stamp(8) }))], 2)).toBe(true);
    // An older resync never undoes a newer event.
    store.apply([t(succeeded(1, 2.0, { updatedAt: stamp(9) }))]);
    store.applyRecent([t(task(1, { status: 'LEASED', attempts: 1, updatedAt: stamp(7) }))], 2);
    expect(store.getSnapshot().tasks[1]!.status).toBe('SUCCEEDED');
  });

  it('picks one repair: reload mid-load or when many results are missing, else read the recent tasks', () => {
    expect(repairFor(false, null, 200)).toBe('reload');
    expect(repairFor(false, 1, 200)).toBe('reload');
    expect(repairFor(true, null, 200)).toBe('recent');
    expect(repairFor(true, 100, 200)).toBe('recent');
    expect(repairFor(true, 101, 200)).toBe('reload');
  });
});
