import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeApi } from '../test/fake-api';
import { renderPage } from '../test/render';
import { isOnline, WorkersPage } from './WorkersPage';

function worker(id: string, patch: Record<string, unknown> = {}) {
  return {
    __typename: 'Worker',
    id,
    name: `worker-${id}`,
    online: true,
    simulated: false,
    slots: 1,
    lastSeenAt: new Date().toISOString(),
    owner: { __typename: 'Account', id: 'v1', name: 'Volunteer' },
    hardware: { __typename: 'Hardware', cpu: 'Ryzen 7', cores: 8, ramMb: 32768, gpu: null, gpuMemoryMb: null, device: 'cpu', torchVersion: '2.6.0' },
    currentTasks: [],
    reputation: { __typename: 'WorkerReputation', consecutiveValid: 12, established: true, strikes: 0, excluded: false, excludedReason: null, dailyQuota: 64, leasedToday: 3 },
    ...patch,
  };
}

const running = {
  __typename: 'Task',
  id: 't1',
  index: 7,
  budgetS: 10,
  leasedAt: new Date().toISOString(),
  campaign: { __typename: 'Campaign', id: 'c1', name: 'Schedules' },
  progress: { __typename: 'TaskProgress', step: 120, trainLoss: 1.234, elapsedS: 4 },
};

const page = (nodes: unknown[]) => ({
  workers: {
    __typename: 'QueryWorkersConnection',
    totalCount: nodes.length,
    edges: nodes.map((node) => ({ __typename: 'QueryWorkersConnectionEdge', node })),
    pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
  },
});

describe('WorkersPage', () => {
  it('shows online and offline workers, hardware, and the running task with its progress', async () => {
    const stale = new Date(Date.now() - 5 * 60_000).toISOString();
    const excluded = { __typename: 'WorkerReputation', consecutiveValid: 0, established: false, strikes: 3, excluded: true, excludedReason: '3 invalid results', dailyQuota: 1, leasedToday: 0 };
    const api = new FakeApi({ Workers: () => page([worker('a', { currentTasks: [running] }), worker('b', { online: false, lastSeenAt: stale, reputation: excluded })]) });
    renderPage(<WorkersPage />, api);
    const cards = await screen.findAllByTestId('worker');
    expect(cards).toHaveLength(2);
    expect(within(cards[0]!).getByText('online')).toBeInTheDocument();
    expect(within(cards[0]!).getByText(/Ryzen 7, 8 cores · 32 GB RAM/)).toBeInTheDocument();
    expect(within(cards[0]!).getByText(/Task #7 of/)).toHaveTextContent('step 120 · loss 1.234 · 4.0 s of 10 s');
    expect(within(cards[0]!).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '40');
    expect(within(cards[1]!).getByText('offline')).toBeInTheDocument();
    expect(within(cards[1]!).getByText(/5 min ago/)).toBeInTheDocument();
    expect(screen.getByText('1 online of 2')).toBeInTheDocument();
    // Reputation: an established worker, and one excluded after its strikes.
    expect(within(cards[0]!).getByTestId('reputation')).toHaveTextContent('Established · 12 valid in a row · 0 strikes · 3/64 tasks today');
    expect(within(cards[1]!).getByTestId('reputation')).toHaveTextContent('Excluded: 3 invalid results · 0 valid in a row · 3 strikes');
  });

  it('updates a card from the worker subscription, and refetches for a new worker', async () => {
    const api = new FakeApi({ Workers: () => page([worker('a')]) });
    renderPage(<WorkersPage />, api);
    await screen.findByTestId('worker');
    await waitFor(() => expect(api.subscribed('WorkerUpdates')).toBe(1));
    api.push('WorkerUpdates', { workerUpdated: worker('a', { currentTasks: [running] }) });
    expect(await screen.findByText(/Task #7 of/)).toBeInTheDocument();
    const before = api.calls.filter((call) => call.operationName === 'Workers').length;
    api.push('WorkerUpdates', { workerUpdated: worker('new') });
    await waitFor(() => expect(api.calls.filter((call) => call.operationName === 'Workers').length).toBe(before + 1));
  });

  it('refetches once for a worker it has never seen, not on every event of a worker the list cannot show', async () => {
    const stale = new Date(Date.now() - 5 * 60_000).toISOString();
    const api = new FakeApi({ Workers: () => page([worker('b', { online: false, lastSeenAt: stale })]) });
    renderPage(<WorkersPage />, api, { at: '/?show=offline' });
    await screen.findByTestId('worker');
    await waitFor(() => expect(api.subscribed('WorkerUpdates')).toBe(1));
    const listReads = () => api.calls.filter((call) => call.operationName === 'Workers').length;
    const before = listReads();
    // An online worker's heartbeats: it never appears under "offline".
    for (let i = 0; i < 4; i += 1) {
      api.push('WorkerUpdates', { workerUpdated: worker('a', { currentTasks: [{ ...running, progress: { ...running.progress, step: 100 + i } }] }) });
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await waitFor(() => expect(listReads()).toBe(before + 1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(listReads()).toBe(before + 1);
  });

  it('tells how to add a worker when there is none', async () => {
    renderPage(<WorkersPage />, new FakeApi({ Workers: () => page([]) }));
    expect(await screen.findByText('No workers have registered yet')).toBeInTheDocument();
    expect(screen.getByText(/xeenet-worker.js start --server/)).toBeInTheDocument();
  });
});

describe('isOnline', () => {
  it('trusts the server only while the last heartbeat is recent', () => {
    const now = Date.parse('2026-11-22T08:00:00Z');
    expect(isOnline({ online: true, lastSeenAt: '2026-11-22T07:59:30Z' }, now)).toBe(true);
    expect(isOnline({ online: true, lastSeenAt: '2026-11-22T07:58:30Z' }, now)).toBe(false);
    expect(isOnline({ online: false, lastSeenAt: '2026-11-22T07:59:59Z' }, now)).toBe(false);
  });
});
