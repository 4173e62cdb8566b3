import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeApi } from '../../test/fake-api';
import { CAMPAIGN_ID, campaignDetail, me, task } from '../../test/fixtures';
import { renderPage } from '../../test/render';
import CampaignPage from './CampaignPage';
import { TASK_PAGE_SIZE } from './use-campaign-data';

function pagedApi(total: number) {
  const all = Array.from({ length: total }, (_, i) => task(i));
  return new FakeApi({
    CampaignDetail: () => ({ campaign: campaignDetail({ taskCount: total }), me }),
    CampaignPoints: () => ({ campaign: { __typename: 'Campaign', id: CAMPAIGN_ID, resultPoints: [] } }),
    CampaignTasks: (variables) => {
      const start = variables.after ? Number(variables.after) : 0;
      const page = all.slice(start, start + Number(variables.first));
      const end = start + page.length;
      return {
        campaign: {
          __typename: 'Campaign',
          id: CAMPAIGN_ID,
          tasks: {
            __typename: 'CampaignTaskConnection',
            totalCount: total,
            edges: page.map((node) => ({ __typename: 'CampaignTaskConnectionEdge', node })),
            pageInfo: { __typename: 'PageInfo', hasNextPage: end < total, endCursor: String(end) },
          },
        },
      };
    },
  });
}

describe('loading every task page', () => {
  it('loads each page once, in order, and enables export when the last arrives', async () => {
    const total = TASK_PAGE_SIZE * 3 + 17;
    const api = pagedApi(total);
    renderPage(<CampaignPage />, api, { path: '/campaigns/:id', at: `/campaigns/${encodeURIComponent(CAMPAIGN_ID)}` });
    await waitFor(() => expect(screen.getByTestId('task-count')).toHaveTextContent(`${total.toLocaleString('en')} tasks`), { timeout: 10_000 });
    expect(screen.getByRole('button', { name: 'Export TSV' })).toBeEnabled();
    const pages = api.calls.filter((call) => call.operationName === 'CampaignTasks');
    expect(pages.map((call) => call.variables.after ?? null)).toEqual([null, ...[1, 2, 3].map((n) => String(n * TASK_PAGE_SIZE))]);
    expect(document.querySelector('tr[data-task-index]')?.getAttribute('data-task-index')).toBe('0');
  });
});
