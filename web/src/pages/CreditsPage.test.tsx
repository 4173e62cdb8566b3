import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { Layout } from '../components/Layout';
import { FakeApi } from '../test/fake-api';
import { renderPage } from '../test/render';
import { CreditsPage } from './CreditsPage';

const entry = (id: number, amount: number, kind: string) => ({
  __typename: 'LedgerEntry',
  id: String(id),
  amount,
  kind,
  memo: `${kind.toLowerCase()} memo ${id}`,
  createdAt: '2026-11-22T08:00:00.000Z',
  campaign: kind === 'ESCROW' ? { __typename: 'Campaign', id: 'c1', name: 'Schedules' } : null,
});

describe('CreditsPage', () => {
  it('shows the balance, the ledger (older pages appended) and the leaderboard', async () => {
    const api = new FakeApi({
      Credits: (variables) => ({
        me: { __typename: 'Account', id: 'a', name: 'Ada', balance: 99_100, credits: { __typename: 'AccountCredits', granted: 120, pending: 45 } },
        creditsPerTaskSecond: 1,
        creditLedger: variables.before
          ? { __typename: 'LedgerPage', entries: [entry(1, 100_000, 'GRANT')], hasMore: false, nextBefore: null }
          : { __typename: 'LedgerPage', entries: [entry(3, 300, 'REFUND'), entry(2, -1200, 'ESCROW')], hasMore: true, nextBefore: '2' },
      }),
      Leaderboard: () => ({
        leaderboard: [{ __typename: 'LeaderboardEntry', name: 'gpu-volunteer', earned: 900, tasksPaid: 300, computeHours: 0.5, verifiedResults: 300, account: { __typename: 'Account', id: 'v' } }],
      }),
    });
    renderPage(<CreditsPage />, api);
    expect(await screen.findByTestId('balance')).toHaveTextContent('99,100 cr');
    const ledger = screen.getByRole('region', { name: 'Ledger' });
    expect(within(ledger).getByText('-1,200')).toBeInTheDocument();
    expect(within(ledger).getByRole('link', { name: 'Schedules' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Show older entries' }));
    expect(await within(ledger).findByText('+100,000')).toBeInTheDocument();
    expect(within(ledger).getAllByRole('row')).toHaveLength(4);
    expect(screen.queryByRole('button', { name: 'Show older entries' })).toBeNull();
    expect(await screen.findByText('gpu-volunteer')).toBeInTheDocument();
    // Pending credits wait for verification; granted ones were paid.
    expect(screen.getByTestId('worker-credits')).toHaveTextContent('120 cr granted');
    expect(screen.getByTestId('worker-credits')).toHaveTextContent('45 cr pending verification');
  });

  it('ranks the leaderboard by the ordering chosen, asking the API for it', async () => {
    const asked: unknown[] = [];
    const row = (id: string, name: string, earned: number, computeHours: number, verifiedResults: number) => ({
      __typename: 'LeaderboardEntry',
      name,
      earned,
      tasksPaid: verifiedResults,
      computeHours,
      verifiedResults,
      account: { __typename: 'Account', id },
    });
    const long = row('l', 'long-runs', 600, 0.1, 1);
    const many = row('m', 'many-results', 150, 2.25, 30);
    const api = new FakeApi({
      Credits: () => ({
        me: { __typename: 'Account', id: 'a', name: 'Ada', balance: 1, credits: null },
        creditsPerTaskSecond: 1,
        creditLedger: { __typename: 'LedgerPage', entries: [], hasMore: false, nextBefore: null },
      }),
      Leaderboard: (variables) => {
        asked.push(variables.orderBy);
        return { leaderboard: variables.orderBy === 'CREDITS' ? [long, many] : [many, long] };
      },
    });
    renderPage(<CreditsPage />, api);
    const board = await screen.findByTestId('leaderboard');
    expect(within(board).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      expect.stringContaining('long-runs'),
      expect.stringContaining('many-results'),
    ]);
    expect(within(board).getByText(/2\.25 h · 30 verified/)).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Rank by' }), 'compute hours');
    await waitFor(() => expect(within(screen.getByTestId('leaderboard')).getAllByRole('listitem')[0]).toHaveTextContent('many-results'));
    expect(asked).toEqual(['CREDITS', 'COMPUTE_HOURS']);
  });

  it('reads the ledger and leaderboard again when balanceChanged moves our balance, and only then', async () => {
    let balance = 500;
    const api = new FakeApi({
      Credits: () => ({
        me: { __typename: 'Account', id: 'a', name: 'Ada', balance, credits: null },
        creditsPerTaskSecond: 1,
        creditLedger: { __typename: 'LedgerPage', entries: [], hasMore: false, nextBefore: null },
      }),
      Leaderboard: () => ({ leaderboard: [] }),
      LayoutMe: () => ({ me: { __typename: 'Account', id: 'a', name: 'Ada', role: 'RESEARCHER', balance } }),
    });
    renderPage(
      <>
        <Layout />
        <CreditsPage />
      </>,
      api,
    );
    expect(await screen.findByTestId('balance')).toHaveTextContent('500 cr');
    await waitFor(() => expect(api.subscribed('BalanceChanged')).toBe(1));
    const reads = (name: string) => api.calls.filter((call) => call.operationName === name).length;
    // The same balance again (e.g. a zero-sum event) reads nothing.
    api.push('BalanceChanged', { balanceChanged: { __typename: 'Account', id: 'a', balance: 500 } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads('Credits')).toBe(1);
    balance = 503;
    api.push('BalanceChanged', { balanceChanged: { __typename: 'Account', id: 'a', balance: 503 } });
    await waitFor(() => expect(screen.getByTestId('balance')).toHaveTextContent('503 cr'));
    await waitFor(() => expect(reads('Credits')).toBe(2));
    expect(reads('Leaderboard')).toBe(2);
  });

  it('says how credits start moving when there are none', async () => {
    const api = new FakeApi({
      Credits: () => ({
        me: { __typename: 'Account', id: 'a', name: 'Ada', balance: 0, credits: null },
        creditsPerTaskSecond: 1,
        creditLedger: { __typename: 'LedgerPage', entries: [], hasMore: false, nextBefore: null },
      }),
      Leaderboard: () => ({ leaderboard: [] }),
    });
    renderPage(<CreditsPage />, api);
    expect(await screen.findByText('No ledger entries yet')).toBeInTheDocument();
    expect(await screen.findByText('Nobody has earned credits yet')).toBeInTheDocument();
  });
});
