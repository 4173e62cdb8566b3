import { describe, expect, it } from 'vitest';
import type { TaskRowFragment } from '../../gql/graphql';
import { point, succeeded, task } from '../../test/fixtures';
import { CampaignStore, newer } from './campaign-store';

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

  it('orders versions by attempts, then state, then progress', () => {
    const leased = t(task(0, { status: 'LEASED', attempts: 1, progress: { step: 5 } }));
    const further = t(task(0, { status: 'LEASED', attempts: 1, progress: { step: 9 } }));
    const retried = t(task(0, { status: 'QUEUED', attempts: 2 }));
    expect(newer(leased, further)).toBe(further);
    expect(newer(further, retried)).toBe(retried);
    expect(newer(t(succeeded(0, 2)), leased).status).toBe('SUCCEEDED');
  });
});
