import { useQuery } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { graphql } from '../gql';
import type { LeaderboardOrder, LedgerKind } from '../gql/graphql';
import { formatCredits, formatDateTime, formatInt } from '../lib/format';

const CreditsQuery = graphql(`
  query Credits($first: Int!, $before: ID) {
    me {
      id
      name
      balance
      credits {
        granted
        pending
      }
    }
    creditsPerTaskSecond
    creditLedger(first: $first, before: $before) {
      entries {
        id
        amount
        kind
        memo
        createdAt
        campaign {
          id
          name
        }
      }
      hasMore
      nextBefore
    }
  }
`);

const LeaderboardQuery = graphql(`
  query Leaderboard($orderBy: LeaderboardOrder) {
    leaderboard(first: 20, orderBy: $orderBy) {
      name
      earned
      tasksPaid
      computeHours
      verifiedResults
      account {
        id
      }
    }
  }
`);

const BOARD_ORDERS: { value: LeaderboardOrder; label: string; what: string }[] = [
  { value: 'CREDITS', label: 'credits', what: 'credits earned for accepted results' },
  { value: 'COMPUTE_HOURS', label: 'compute hours', what: 'hours of run time of accepted results' },
  { value: 'VERIFIED_RESULTS', label: 'verified results', what: 'results found valid by independent replay' },
];

const KIND_LABELS: Record<LedgerKind, string> = {
  GRANT: 'grant',
  ESCROW: 'reserved',
  PAYOUT: 'payout',
  REFUND: 'refund',
  CLAWBACK: 'clawed back',
};

export function CreditsPage() {
  const credits = useQuery(CreditsQuery, { variables: { first: 50 }, notifyOnNetworkStatusChange: true });
  const [orderBy, setOrderBy] = useState<LeaderboardOrder>('CREDITS');
  const board = useQuery(LeaderboardQuery, { variables: { orderBy } });
  const ledger = credits.data?.creditLedger;
  const me = credits.data?.me;

  // The header's balanceChanged subscription writes our new balance into the cache: when it moves,
  // the ledger and the leaderboard it feeds are read again. No polling.
  const seenBalance = useRef<number | null | undefined>(undefined);
  const { refetch: refetchCredits } = credits;
  const { refetch: refetchBoard } = board;
  useEffect(() => {
    const balance = me?.balance;
    if (balance === undefined) return;
    if (seenBalance.current !== undefined && seenBalance.current !== balance) {
      void refetchCredits();
      void refetchBoard();
    }
    seenBalance.current = balance;
  }, [me?.balance, refetchCredits, refetchBoard]);

  return (
    <section aria-labelledby="credits-title">
      <div className="page-head">
        <h1 id="credits-title">Credits</h1>
      </div>
      {credits.error && !credits.data && <ErrorNotice error={credits.error} what="your credits" onRetry={() => void credits.refetch()} />}
      {!credits.data && credits.loading && <Loading what="your credits" />}
      {me && (
        <div className="stats">
          <div className="stat">
            <span className="stat__label">Balance</span>
            <span className="stat__value" data-testid="balance">
              {formatCredits(me.balance)}
            </span>
          </div>
          {me.credits && (
            <div className="stat" data-testid="worker-credits">
              <span className="stat__label">Earned by your workers</span>
              <span className="stat__value">{formatCredits(me.credits.granted)} granted</span>
              <span className="muted small">{formatCredits(me.credits.pending)} pending verification (paid only if found valid)</span>
            </div>
          )}
          <div className="stat">
            <span className="stat__label">Price of compute</span>
            <span className="stat__value">{formatInt(credits.data?.creditsPerTaskSecond)} cr</span>
            <span className="muted small">per task-second, paid to the worker whose result is accepted</span>
          </div>
        </div>
      )}
      <div className="two-col">
        <section className="card" aria-labelledby="ledger-title">
          <h2 id="ledger-title">Ledger</h2>
          {ledger && ledger.entries.length === 0 && (
            <EmptyState title="No ledger entries yet">
              <p>
                Credits move when you <Link to="/campaigns/new">submit a brief</Link> (reserved), when workers are paid, and when unspent credits
                return.
              </p>
            </EmptyState>
          )}
          {ledger && ledger.entries.length > 0 && (
            <div className="table-wrap">
              <table className="table table--stack">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Kind</th>
                    <th scope="col">What</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {ledger.entries.map((entry) => (
                    <tr key={entry.id}>
                      <td data-label="When">
                        <time dateTime={entry.createdAt}>{formatDateTime(entry.createdAt)}</time>
                      </td>
                      <td data-label="Kind">{KIND_LABELS[entry.kind]}</td>
                      <td data-label="What">
                        {entry.memo}
                        {entry.campaign && (
                          <>
                            {' · '}
                            <Link to={`/campaigns/${encodeURIComponent(entry.campaign.id)}`}>{entry.campaign.name}</Link>
                          </>
                        )}
                      </td>
                      <td data-label="Amount" className={`num ${entry.amount < 0 ? 'negative' : 'positive'}`}>
                        {entry.amount > 0 ? '+' : ''}
                        {formatInt(entry.amount)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {ledger?.hasMore && (
            <button
              type="button"
              className="button load-more"
              disabled={credits.loading}
              onClick={() => void credits.fetchMore({ variables: { before: ledger.nextBefore } })}
            >
              {credits.loading ? 'Loading…' : 'Show older entries'}
            </button>
          )}
        </section>
        <section className="card" aria-labelledby="board-title">
          <h2 id="board-title">Leaderboard</h2>
          <p className="muted small">
            Volunteers ranked by{' '}
            <select aria-label="Rank by" data-testid="leaderboard-order" value={orderBy} onChange={(event) => setOrderBy(event.target.value as LeaderboardOrder)}>
              {BOARD_ORDERS.map((order) => (
                <option key={order.value} value={order.value}>
                  {order.label}
                </option>
              ))}
            </select>{' '}
            ({BOARD_ORDERS.find((order) => order.value === orderBy)?.what}). Simulated results never count.
          </p>
          {board.error && !board.data && <ErrorNotice error={board.error} what="the leaderboard" onRetry={() => void board.refetch()} />}
          {!board.data && !board.error && <Loading what="the leaderboard" />}
          {board.data && board.data.leaderboard.length === 0 && (
            <EmptyState title="Nobody has earned credits yet">
              <p>Workers earn credits when their results are accepted. Simulated results earn nothing.</p>
            </EmptyState>
          )}
          {board.data && board.data.leaderboard.length > 0 && (
            <ol className="board" data-testid="leaderboard">
              {board.data.leaderboard.map((entry, index) => (
                <li key={entry.account.id}>
                  <span className="board__rank">{index + 1}</span>
                  <span className="board__name">{entry.name}</span>
                  <span className="board__earned">{formatCredits(entry.earned)}</span>
                  <span className="muted small">
                    {formatInt(entry.tasksPaid)} tasks · {entry.computeHours.toFixed(2)} h · {formatInt(entry.verifiedResults)} verified
                  </span>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
    </section>
  );
}
