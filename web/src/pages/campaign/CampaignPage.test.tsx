import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeApi } from '../../test/fake-api';
import { CAMPAIGN_ID, campaignDetail, me, point, stats, succeeded, task } from '../../test/fixtures';
import { Layout } from '../../components/Layout';
import { renderPage } from '../../test/render';
import CampaignPage from './CampaignPage';
import { TaskRow } from './TaskTable';
import { RESYNC_TASKS } from './use-campaign-data';

function setup(tasks = [task(0), task(1), task(2)], detail = campaignDetail(), points: unknown[] = []) {
  const api = new FakeApi({
    CampaignDetail: () => ({ campaign: detail, me }),
    CampaignPoints: () => ({ campaign: { __typename: 'Campaign', id: CAMPAIGN_ID, resultPoints: points } }),
    CampaignTasks: () => ({
      campaign: {
        __typename: 'Campaign',
        id: CAMPAIGN_ID,
        tasks: {
          __typename: 'CampaignTaskConnection',
          totalCount: tasks.length,
          edges: tasks.map((node) => ({ __typename: 'CampaignTaskConnectionEdge', node })),
          pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: 'end' },
        },
      },
    }),
    CancelCampaign: () => ({
      cancelCampaign: { __typename: 'MutationCancelCampaignSuccess', data: { ...campaignDetail({ status: 'CANCELLED' }) } },
    }),
    LayoutMe: () => ({ me: { ...me, name: 'Ada', balance: 1 } }),
  });
  const view = renderPage(<CampaignPage />, api, { path: '/campaigns/:id', at: `/campaigns/${encodeURIComponent(CAMPAIGN_ID)}` });
  return { api, ...view };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const recent = (nodes: unknown[]) => ({
  campaign: {
    __typename: 'Campaign',
    id: CAMPAIGN_ID,
    tasks: { __typename: 'CampaignTaskConnection', edges: nodes.map((node) => ({ __typename: 'CampaignTaskConnectionEdge', node })) },
  },
});

const chartPoints = () => Number(screen.getByTestId('progress-chart').getAttribute('data-total-points'));

describe('CampaignPage', () => {
  it('shows the campaign, its tasks and an empty chart that says what will appear', async () => {
    setup();
    expect(await screen.findByRole('heading', { name: /Cosine vs linear/ })).toBeInTheDocument();
    expect(await screen.findByText('3 tasks')).toBeInTheDocument();
    expect(screen.getByText('No results yet.')).toBeInTheDocument();
    expect(screen.getByText('n_head=4')).toBeInTheDocument();
    // The searched parameters become table columns; the constant does not.
    const table = screen.getByRole('table');
    expect(within(table).getByRole('button', { name: /^lr/ })).toBeInTheDocument();
    expect(within(table).queryByRole('button', { name: /n_head/ })).toBeNull();
  });

  it('turns a subscription event into an updated row and a new chart point', async () => {
    const { api, client } = setup();
    await screen.findByText('3 tasks');
    await waitFor(() => expect(api.subscribed('CampaignTaskUpdates')).toBe(1));
    expect(chartPoints()).toBe(0);

    const done = succeeded(1, 2.345);
    api.push('CampaignTaskUpdates', { taskUpdated: done });

    await waitFor(() => expect(chartPoints()).toBe(1));
    const row = document.querySelector('tr[data-task-index="1"]')!;
    await waitFor(() => expect(row.getAttribute('data-status')).toBe('SUCCEEDED'));
    expect(within(row as HTMLElement).getByText('2.3450')).toBeInTheDocument();
    // The same event twice does not add a second point.
    api.push('CampaignTaskUpdates', { taskUpdated: done });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(chartPoints()).toBe(1);
    // Tasks have one home, the page's store: nothing was written into Apollo's cache as well.
    expect(client.readFragment({ id: 'Task:task-1', fragment: TaskRow, fragmentName: 'TaskRow' })).toBeNull();
  });

  it('applies campaign events (fresh stats) from the campaign subscription', async () => {
    const { api } = setup();
    await screen.findByText('3 tasks');
    await waitFor(() => expect(api.subscribed('CampaignSummaryUpdates')).toBe(1));
    api.push('CampaignSummaryUpdates', {
      campaignUpdated: { ...campaignDetail(), stats: stats({ queued: 2, succeeded: 1, bestValBpb: 2.5, meanValBpb: 2.5 }), resultPoints: undefined },
    });
    await waitFor(() => expect(screen.getByTestId('best-val-bpb')).toHaveTextContent('2.5000'));
  });

  it("shows the owner's new balance from balanceChanged when the campaign closes (its unused escrow comes back)", async () => {
    const api = new FakeApi({
      CampaignDetail: () => ({ campaign: campaignDetail(), me }),
      CampaignPoints: () => ({ campaign: { __typename: 'Campaign', id: CAMPAIGN_ID, resultPoints: [] } }),
      CampaignTasks: () => ({ campaign: null }),
      LayoutMe: () => ({ me: { ...me, name: 'Ada', balance: 50 } }),
    });
    renderPage(
      <>
        <Layout />
        <CampaignPage />
      </>,
      api,
      { path: '/campaigns/:id', at: `/campaigns/${encodeURIComponent(CAMPAIGN_ID)}` },
    );
    expect(await screen.findByText('50 cr')).toBeInTheDocument();
    await waitFor(() => expect(api.subscribed('BalanceChanged')).toBe(1));
    api.push('CampaignSummaryUpdates', { campaignUpdated: { ...campaignDetail({ status: 'COMPLETED' }), stats: stats({ queued: 0, succeeded: 3 }), resultPoints: undefined } });
    api.push('BalanceChanged', { balanceChanged: { __typename: 'Account', id: me.id, balance: 53 } });
    expect(await screen.findByText('53 cr')).toBeInTheDocument();
    // The event carries the balance: nothing is read again.
    expect(api.calls.filter((call) => call.operationName === 'LayoutMe')).toHaveLength(1);
  });

  it('plots existing results and exports every task as TSV', async () => {
    const tasks = [succeeded(0, 2.4), succeeded(1, 2.2, { simulated: true }), task(2)];
    setup(tasks, campaignDetail({ stats: stats({ succeeded: 2, simulated: 1, queued: 1 }) }), [point(tasks[0]!), point(tasks[1]!)]);
    await screen.findByText('3 tasks');
    await waitFor(() => expect(chartPoints()).toBe(2));
    expect(screen.getAllByText('simulated').length).toBeGreaterThan(0);

    let exported = '';
    const original = URL.createObjectURL;
    URL.createObjectURL = (blob: Blob) => {
      void blob.text().then((text) => (exported = text));
      return 'blob:test';
    };
    URL.revokeObjectURL = () => undefined;
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = () => undefined;
    try {
      await userEvent.click(screen.getByRole('button', { name: 'Export TSV' }));
      await waitFor(() => expect(exported).not.toBe(''));
    } finally {
      URL.createObjectURL = original;
      HTMLAnchorElement.prototype.click = click;
    }
    const [header, ...rows] = exported.trimEnd().split('\n');
    expect(header!.split('\t').slice(0, 3)).toEqual(['index', 'status', 'val_bpb']);
    expect(header!.split('\t')).toContain('lr');
    expect(rows).toHaveLength(3);
    expect(rows[1]!.split('\t').slice(0, 3)).toEqual(['1', 'succeeded', '2.2']);
    expect(rows[2]!.split('\t')[1]).toBe('queued');
  });

  it('draws the best-so-far against compute spent on request, and the top results as parallel coordinates', async () => {
    const tasks = [succeeded(0, 2.4), succeeded(1, 2.2), task(2)];
    setup(tasks, campaignDetail({ stats: stats({ succeeded: 2, queued: 1 }) }), [point(tasks[0]!), point(tasks[1]!)]);
    await screen.findByText('3 tasks');
    await waitFor(() => expect(chartPoints()).toBe(2));
    await waitFor(() => expect(screen.getByTestId('parallel-coordinates').getAttribute('data-lines')).toBe('2'));
    await userEvent.selectOptions(screen.getByLabelText('Against'), 'compute');
    expect(await screen.findByRole('heading', { name: 'Best val_bpb against compute spent' })).toBeInTheDocument();
    expect(screen.getByTestId('progress-chart').getAttribute('data-x-axis')).toBe('compute');
    expect(screen.getByText(/Best so far 2\.2000 \(task #1\)/)).toBeInTheDocument();
  });

  it('shows ASHA rungs with promotions, and the confirm-before-keep replicates with their error bars', async () => {
    const tasks = [
      succeeded(0, 2.4),
      succeeded(1, 2.2),
      task(2, { budgetScale: 3, parentId: 'task-1', description: 'promote #1', status: 'LEASED', attempts: 1 }),
    ];
    const detail = campaignDetail({ strategy: 'ASHA', strategyOptions: { eta: 3, rungs: 2 }, confirm: { __typename: 'ConfirmSettings', topK: 1, seeds: 2 } });
    const { api } = setup(tasks, detail, [point(tasks[0]!), point(tasks[1]!)]);
    api.on('CampaignConfirmations', () => ({
      campaign: {
        __typename: 'Campaign',
        id: CAMPAIGN_ID,
        confirmations: {
          __typename: 'ConfirmReport',
          noiseFloor: 0.02,
          configs: [
            { __typename: 'Confirmation', rank: 1, config: { lr: 0.002, schedule: 'linear' }, n: 3, mean: 2.21, low: 2.16, high: 2.26, values: [2.2, 2.19, 2.24], distinguishable: true },
            { __typename: 'Confirmation', rank: 2, config: { lr: 0.001, schedule: 'cosine' }, n: 1, mean: 2.4, low: null, high: null, values: [2.4], distinguishable: false },
          ],
        },
      },
    }));
    await screen.findByText('3 tasks');
    expect(screen.getByText(/asha \(eta=3, rungs=2\)/)).toBeInTheDocument();
    const rungs = await screen.findAllByTestId('rung');
    const cells = (row: HTMLElement) => within(row).getAllByRole('cell').map((cell) => cell.textContent);
    // Rung, budget, configs, finished, promoted, best.
    expect(cells(rungs[0]!)).toEqual(['1', '3.0 s (×1)', '2', '2', '1', '2.2000']);
    expect(cells(rungs[1]!)).toEqual(['2', '9.0 s (×3)', '1', '0', '—', '—']);
    const replicates = await screen.findAllByTestId('replicate-row');
    expect(replicates[0]).toHaveTextContent('2.2100 ± 0.0500');
    expect(replicates[0]).toHaveTextContent('3 seeds');
    expect(replicates[0]).toHaveTextContent('better than every other');
    expect(replicates[1]).toHaveTextContent('no interval');
    expect(screen.getByTestId('replicates-noise')).toHaveTextContent('0.0200');
  });

  it('marks a pending best as such beside the verified best', async () => {
    setup([task(0)], campaignDetail({ stats: stats({ bestValBpb: 2.3, pendingBestValBpb: 2.1, verified: 4, pendingVerification: 1 }) }));
    expect(await screen.findByTestId('pending-best')).toHaveTextContent('pending best 2.1000: awaits verification');
    expect(screen.getByTestId('best-val-bpb')).toHaveTextContent('2.3000');
    expect(screen.getByTestId('verification-counts')).toHaveTextContent('4 verified · 1 awaiting replays');
  });

  it('cancels only after confirmation, then reloads the campaign and its tasks', async () => {
    const { api } = setup();
    await screen.findByText('3 tasks');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel campaign' }));
    expect(screen.getByText(/Stop 3 unfinished tasks/)).toBeInTheDocument();
    const before = api.calls.filter((call) => call.operationName === 'CampaignTasks').length;
    await userEvent.click(screen.getByRole('button', { name: 'Yes, cancel it' }));
    await waitFor(() => expect(api.calls.some((call) => call.operationName === 'CancelCampaign')).toBe(true));
    await waitFor(() => expect(api.calls.filter((call) => call.operationName === 'CampaignTasks').length).toBeGreaterThan(before));
  });

  it('repairs a missed event: when the stats count a result the chart lacks, recent tasks are read again', async () => {
    const done = succeeded(2, 2.2);
    const detail = campaignDetail({ stats: stats({ queued: 2, succeeded: 1 }) });
    const { api } = setup([task(0), task(1), task(2)], detail);
    api.on('CampaignRecentTasks', () => ({
      campaign: { __typename: 'Campaign', id: CAMPAIGN_ID, tasks: { __typename: 'CampaignTaskConnection', edges: [{ __typename: 'CampaignTaskConnectionEdge', node: done }] } },
    }));
    await screen.findByText('3 tasks');
    await waitFor(() => expect(chartPoints()).toBe(1), { timeout: 5000 });
    expect(document.querySelector('tr[data-task-index="2"]')?.getAttribute('data-status')).toBe('SUCCEEDED');
    expect(api.calls.filter((call) => call.operationName === 'CampaignRecentTasks')).toHaveLength(1);
  });

  it('moves a running row back to queued when the API requeues it without raising attempts', async () => {
    const { api } = setup();
    await screen.findByText('3 tasks');
    await waitFor(() => expect(api.subscribed('CampaignTaskUpdates')).toBe(1));
    const row = () => document.querySelector('tr[data-task-index="0"]')!.getAttribute('data-status');
    api.push('CampaignTaskUpdates', { taskUpdated: task(0, { status: 'LEASED', attempts: 1, updatedAt: '2026-11-22T08:00:01.000Z' }) });
    await waitFor(() => expect(row()).toBe('LEASED'));
    // The lease expired: queued again, still on its first attempt.
    api.push('CampaignTaskUpdates', { taskUpdated: task(0, { status: 'QUEUED', attempts: 1, updatedAt: '2026-11-22T08:01:01.000Z' }) });
    await waitFor(() => expect(row()).toBe('QUEUED'));
  });

  it('does not repair "missing" results while the tasks and points are still loading', async () => {
    const tasks = [succeeded(0, 2.4), succeeded(1, 2.2), task(2)];
    const { api } = setup(tasks, campaignDetail({ stats: stats({ succeeded: 2, queued: 1 }) }));
    // The points arrive after the repair delay (1.5 s): until then the chart is merely unloaded.
    api.on('CampaignPoints', () => sleep(1800).then(() => ({ campaign: { __typename: 'Campaign', id: CAMPAIGN_ID, resultPoints: [point(tasks[0]!), point(tasks[1]!)] } })));
    api.on('CampaignTasks', () =>
      sleep(1800).then(() => ({
        campaign: {
          __typename: 'Campaign',
          id: CAMPAIGN_ID,
          tasks: {
            __typename: 'CampaignTaskConnection',
            totalCount: 3,
            edges: tasks.map((node) => ({ __typename: 'CampaignTaskConnectionEdge', node })),
            pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: 'end' },
          },
        },
      })),
    );
    await screen.findByText('3 tasks', {}, { timeout: 5000 });
    await waitFor(() => expect(chartPoints()).toBe(2));
    await sleep(1700);
    expect(api.calls.filter((call) => call.operationName === 'CampaignRecentTasks')).toHaveLength(0);
    expect(api.calls.filter((call) => call.operationName === 'CampaignTasks')).toHaveLength(1);
  });

  it('after the socket reconnects, reads the recently changed tasks into the table and chart', async () => {
    const { api, reconnect } = setup();
    await screen.findByText('3 tasks');
    await waitFor(() => expect(api.calls.some((call) => call.operationName === 'CampaignPoints')).toBe(true));
    // Task 1 finished while the socket was down; task 0 is as the page already knows it.
    api.on('CampaignRecentTasks', () => recent([succeeded(1, 2.3), task(0)]));
    reconnect();
    await waitFor(() => expect(chartPoints()).toBe(1));
    expect(document.querySelector('tr[data-task-index="1"]')?.getAttribute('data-status')).toBe('SUCCEEDED');
    expect(api.calls.filter((call) => call.operationName === 'CampaignTasks')).toHaveLength(1);
  });

  it('after a reconnect, reloads everything when more tasks changed than one read covers', async () => {
    const many = Array.from({ length: RESYNC_TASKS + 50 }, (_, i) => task(i));
    const { api, reconnect } = setup(many, campaignDetail({ taskCount: many.length, stats: stats({ total: many.length, queued: many.length }) }));
    await screen.findByText(`${many.length} tasks`);
    const changed = many.slice(0, RESYNC_TASKS).map((t) => ({ ...t, status: 'LEASED', attempts: 1, updatedAt: '2026-11-22T09:00:00.000Z' }));
    api.on('CampaignRecentTasks', () => recent(changed));
    reconnect();
    await waitFor(() => expect(api.calls.filter((call) => call.operationName === 'CampaignTasks')).toHaveLength(2));
  });

  it('says the page is not live when the task subscription fails, and resubscribes on retry', async () => {
    const { api } = setup();
    await screen.findByText('3 tasks');
    await waitFor(() => expect(api.subscribed('CampaignTaskUpdates')).toBe(1));
    expect(screen.queryByTestId('not-live')).toBeNull();
    api.fail('CampaignTaskUpdates', new Error('Subscription rejected'));
    expect(await screen.findByTestId('not-live')).toHaveTextContent('Not live');
    const notice = screen.getByRole('alert');
    expect(notice).toHaveTextContent(/live updates/);
    expect(notice).toHaveTextContent(/Subscription rejected/);
    await userEvent.click(within(notice).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(api.subscribed('CampaignTaskUpdates')).toBe(1));
    expect(screen.queryByTestId('not-live')).toBeNull();
    // Events sent meanwhile are lost: the tasks are read again.
    await waitFor(() => expect(api.calls.filter((call) => call.operationName === 'CampaignTasks')).toHaveLength(2));
  });

  it('says when the campaign does not exist or is private', async () => {
    const api = new FakeApi({
      CampaignDetail: () => ({ campaign: null, me }),
      CampaignTasks: () => ({ campaign: null }),
      CampaignPoints: () => ({ campaign: null }),
    });
    renderPage(<CampaignPage />, api, { path: '/campaigns/:id', at: '/campaigns/nope' });
    expect(await screen.findByText('Campaign not found')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to campaigns' })).toBeInTheDocument();
  });
});
