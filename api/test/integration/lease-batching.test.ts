// Concurrent lease requests share one statement (LeaseBatcher): each still gets its own tasks,
// in queue order, never one another's; a simulating worker's request never takes a real-only task.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { createAccount, lease, registerWorker, submitBrief } from '../helpers/platform.ts';

async function batches(app: TestApp): Promise<{ count: number; requests: number }> {
  const text = await app.deps.metrics.registry.getSingleMetricAsString('xeenet_lease_batch_size');
  return {
    count: Number(/xeenet_lease_batch_size_count (\d+)/.exec(text)?.[1] ?? 0),
    requests: Number(/xeenet_lease_batch_size_sum (\d+)/.exec(text)?.[1] ?? 0),
  };
}

describe.each(DATABASES)('batched leasing on %s', (database) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(() => app?.stop());

  it('serves 40 simultaneous requests in fewer statements, each task to exactly one worker, in queue order', async () => {
    const url = app.graphqlUrl;
    const researcher = await createAccount(url, 'Ada');
    const campaign = await submitBrief(url, researcher.token, { taskCount: 30 });
    const workers = await Promise.all(Array.from({ length: 40 }, (_, i) => registerWorker(url, `w${i}`)));
    const simulator = await registerWorker(url, 'sim', { simulated: true });
    const before = await batches(app);

    const grants = await Promise.all([...workers.map((worker) => lease(url, worker.token)), lease(url, simulator.token)]);
    const leased = grants.filter((grant) => grant !== null);
    // 30 tasks for 40 real workers; the campaign does not allow simulated results.
    expect(leased).toHaveLength(30);
    expect(grants.at(-1)).toBeNull();
    expect(new Set(leased.map((grant) => grant!.taskId)).size).toBe(30);
    expect(leased.every((grant) => grant!.campaignId === campaign.id)).toBe(true);
    expect(leased.map((grant) => grant!.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));

    const after = await batches(app);
    expect(after.requests - before.requests).toBe(41);
    expect(after.count - before.count).toBeLessThan(41);
  });
});
