import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Layout } from '../components/Layout';
import { FakeApi } from '../test/fake-api';
import { stats } from '../test/fixtures';
import { renderPage } from '../test/render';
import { CampaignsPage } from './CampaignsPage';

function listItem(id: string, status: string) {
  return {
    __typename: 'Campaign',
    id,
    name: `Campaign ${id}`,
    status,
    createdAt: '2026-11-22T08:00:00.000Z',
    taskCount: 3,
    owner: { __typename: 'Account', id: 'acc-1', name: 'Ada' },
    script: { __typename: 'Artifact', id: 'script-1', name: 'char-tiny' },
    stats: stats(),
  };
}

const list = (nodes: unknown[]) => ({
  campaigns: {
    __typename: 'QueryCampaignsConnection',
    totalCount: nodes.length,
    edges: nodes.map((node) => ({ __typename: 'QueryCampaignsConnectionEdge', node })),
    pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
  },
});

describe('CampaignsPage', () => {
  it('drops a campaign from the "Running" list when it completes, and shows the refunded balance', async () => {
    let running = [listItem('c1', 'RUNNING'), listItem('c2', 'RUNNING')];
    const api = new FakeApi({
      CampaignList: () => list(running),
      LayoutMe: () => ({ me: { __typename: 'Account', id: 'acc-1', name: 'Ada', role: 'RESEARCHER', balance: 100 } }),
    });
    renderPage(
      <>
        <Layout />
        <CampaignsPage />
      </>,
      api,
      { at: '/?status=RUNNING' },
    );
    expect(await screen.findByText('Campaign c1')).toBeInTheDocument();
    expect(await screen.findByText('100 cr')).toBeInTheDocument();
    await waitFor(() => expect(api.subscribed('CampaignListLive')).toBe(2));
    // A progress event keeps it where it is.
    api.push('CampaignListLive', { campaignUpdated: { ...listItem('c1', 'RUNNING'), stats: stats({ queued: 2, leased: 1 }) } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.calls.filter((call) => call.operationName === 'CampaignList')).toHaveLength(1);
    // It completes: the API returns its unused escrow and no longer lists it as running.
    running = [listItem('c2', 'RUNNING')];
    const completed = { ...listItem('c1', 'COMPLETED'), stats: stats({ queued: 0, succeeded: 3 }) };
    expect(api.push('CampaignListLive', { campaignUpdated: completed })).toBe(2);
    expect(api.push('CampaignListChanged', { campaignListChanged: completed })).toBe(1);
    expect(api.push('BalanceChanged', { balanceChanged: { __typename: 'Account', id: 'acc-1', balance: 104 } })).toBe(1);
    await waitFor(() => expect(screen.queryByText('Campaign c1')).toBeNull());
    expect(screen.getByText('Campaign c2')).toBeInTheDocument();
    expect(await screen.findByText('104 cr')).toBeInTheDocument();
  });

  it('shows a campaign submitted elsewhere without a reload, and ignores changes already listed', async () => {
    let campaigns = [listItem('c1', 'RUNNING')];
    const api = new FakeApi({ CampaignList: () => list(campaigns) });
    renderPage(<CampaignsPage />, api);
    expect(await screen.findByText('Campaign c1')).toBeInTheDocument();
    await waitFor(() => expect(api.subscribed('CampaignListChanged')).toBe(1));
    // A change to a listed campaign with no status filter: the cache has it, no read needed.
    api.push('CampaignListChanged', { campaignListChanged: listItem('c1', 'RUNNING') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.calls.filter((call) => call.operationName === 'CampaignList')).toHaveLength(1);
    campaigns = [listItem('c3', 'RUNNING'), listItem('c1', 'RUNNING')];
    api.push('CampaignListChanged', { campaignListChanged: listItem('c3', 'RUNNING') });
    expect(await screen.findByText('Campaign c3')).toBeInTheDocument();
    expect(api.calls.filter((call) => call.operationName === 'CampaignList')).toHaveLength(2);
  });
});
