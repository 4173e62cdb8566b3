// Open science: signed out, the public campaigns and their pages are readable; actions ask for a token.
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import { FakeApi } from './test/fake-api';
import { CAMPAIGN_ID, campaignDetail, stats, succeeded, task } from './test/fixtures';
import { renderPage } from './test/render';

const publicCampaign = {
  __typename: 'Campaign',
  id: CAMPAIGN_ID,
  name: 'Cosine vs linear',
  status: 'RUNNING',
  createdAt: '2026-11-22T08:00:00.000Z',
  taskCount: 3,
  owner: { __typename: 'Account', id: 'acc-1', name: 'Ada' },
  script: { __typename: 'Artifact', id: 'script-1', name: 'char-tiny' },
  stats: stats(),
};

function anonymousApi() {
  const tasks = [task(0), succeeded(1, 2.31), task(2)];
  return new FakeApi({
    CampaignList: () => ({
      campaigns: {
        __typename: 'QueryCampaignsConnection',
        totalCount: 1,
        edges: [{ __typename: 'QueryCampaignsConnectionEdge', node: publicCampaign }],
        pageInfo: { __typename: 'PageInfo', hasNextPage: false, endCursor: null },
      },
    }),
    CampaignDetail: () => ({ campaign: campaignDetail({ visibility: 'PUBLIC' }), me: null }),
    CampaignPoints: () => ({ campaign: { __typename: 'Campaign', id: CAMPAIGN_ID, resultPoints: [] } }),
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
  });
}

describe('signed out', () => {
  it('lists the public campaigns with an anonymous client, without "mine" or a balance', async () => {
    const api = anonymousApi();
    const { tokens } = renderPage(<App />, api, { path: '/*', at: '/campaigns?mine=1', signedOut: true });
    expect(await screen.findByRole('heading', { name: 'Public campaigns' })).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: 'Cosine vs linear' })).toBeInTheDocument();
    expect(tokens).toEqual([null]);
    expect(screen.queryByLabelText('Only mine')).toBeNull();
    // "mine" in the URL means nothing to a visitor: the public list is asked for.
    expect(api.calls.find((call) => call.operationName === 'CampaignList')?.variables.mine).toBeNull();
    expect(api.calls.some((call) => call.operationName === 'LayoutMe' || call.operationName === 'BalanceChanged')).toBe(false);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).queryByRole('link', { name: 'New brief' })).toBeNull();
    expect(within(nav).getByRole('link', { name: 'Explore' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign in to write a brief' })).toBeInTheDocument();
  });

  it('opens a public campaign with its tasks and results, with exports but no cancel', async () => {
    renderPage(<App />, anonymousApi(), { path: '/*', at: `/campaigns/${encodeURIComponent(CAMPAIGN_ID)}`, signedOut: true });
    expect(await screen.findByRole('heading', { name: /Cosine vs linear/ }, { timeout: 5000 })).toBeInTheDocument();
    expect(await screen.findByText('3 tasks')).toBeInTheDocument();
    expect(screen.getByText('2.3100')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Export TSV' })).toBeEnabled());
    expect(screen.queryByRole('button', { name: /Cancel/ })).toBeNull();
  });

  it('asks for a token on pages that act, in place', async () => {
    const api = anonymousApi();
    renderPage(<App />, api, { path: '/*', at: '/campaigns/new', signedOut: true });
    expect(await screen.findByRole('heading', { name: 'Sign in to XeeNet' })).toBeInTheDocument();
    expect(screen.getByText(/Sign in to write a brief/)).toBeInTheDocument();
    expect(screen.getByLabelText('API token')).toBeInTheDocument();
    expect(api.calls).toHaveLength(0);
  });
});
