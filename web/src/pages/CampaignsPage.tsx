import { useQuery, useSubscription } from '@apollo/client/react';
import { useId, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { StateBar } from '../components/StateBar';
import { SimulatedMarker, StatusBadge } from '../components/StatusBadge';
import { graphql } from '../gql';
import type { CampaignListItemFragment, CampaignStatus } from '../gql/graphql';
import { formatBpb, formatDateTime, formatInt } from '../lib/format';
import { useSession } from '../auth/session';

export const CampaignListItem = graphql(`
  fragment CampaignListItem on Campaign {
    id
    name
    status
    createdAt
    taskCount
    owner {
      id
      name
    }
    script {
      id
      name
    }
    stats {
      total
      queued
      leased
      succeeded
      failed
      cancelled
      simulated
      bestValBpb
    }
  }
`);

const CampaignListQuery = graphql(`
  query CampaignList($first: Int!, $after: String, $status: CampaignStatus, $mine: Boolean) {
    campaigns(first: $first, after: $after, status: $status, mine: $mine) {
      totalCount
      edges {
        node {
          ...CampaignListItem
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const CampaignListLive = graphql(`
  subscription CampaignListLive($id: ID!) {
    campaignUpdated(id: $id) {
      ...CampaignListItem
    }
  }
`);

const CampaignListChanged = graphql(`
  subscription CampaignListChanged {
    campaignListChanged {
      ...CampaignListItem
    }
  }
`);

const PAGE_SIZE = 25;
const STATUSES: CampaignStatus[] = ['RUNNING', 'COMPLETED', 'CANCELLED'];

function parseStatus(value: string | null): CampaignStatus | null {
  return STATUSES.find((status) => status === value) ?? null;
}

export function CampaignsPage() {
  const { token } = useSession();
  const signedIn = token !== null;
  const [params, setParams] = useSearchParams();
  const status = parseStatus(params.get('status'));
  // Signed out, the list is the public record: there is no "mine".
  const mine = signedIn && params.get('mine') === '1';
  const id = useId();

  const { data, error, loading, fetchMore, refetch } = useQuery(CampaignListQuery, {
    variables: { first: PAGE_SIZE, status, mine: mine || null },
    notifyOnNetworkStatusChange: true,
  });
  const connection = data?.campaigns;
  const campaigns = connection?.edges.map((edge) => edge.node) ?? [];
  const filtered = status !== null || mine;

  // A campaign was submitted or closed somewhere: the cache already holds its new row; the list is
  // read again when the campaign is new to it, or when a status filter may now exclude it.
  const listed = useRef(new Set<string>());
  listed.current = new Set(campaigns.map((campaign) => campaign.id));
  useSubscription(CampaignListChanged, {
    onData: ({ data: event }) => {
      const changed = event.data?.campaignListChanged;
      if (!changed) return;
      if (!listed.current.has(changed.id) || (status !== null && changed.status !== status)) void refetch();
    },
  });

  function setFilter(key: 'status' | 'mine', value: string | null) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  return (
    <section aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>{signedIn ? 'Campaigns' : 'Public campaigns'}</h1>
        {signedIn ? (
          <Link to="/campaigns/new" className="button button--primary">
            New brief
          </Link>
        ) : (
          <Link to="/sign-in" state={{ from: '/campaigns/new' }} className="button">
            Sign in to write a brief
          </Link>
        )}
      </div>
      {!signedIn && (
        <p className="muted">
          Every public campaign, its tasks, configs and results, open to anyone. <Link to="/explore">Explore</Link> shows what works across them.
        </p>
      )}

      <form className="filters" aria-label="Filter campaigns" onSubmit={(event) => event.preventDefault()}>
        <div className="field field--inline">
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={status ?? ''} onChange={(event) => setFilter('status', event.target.value || null)}>
            <option value="">Any</option>
            <option value="RUNNING">Running</option>
            <option value="COMPLETED">Completed</option>
            <option value="CANCELLED">Cancelled</option>
          </select>
        </div>
        {signedIn && (
          <div className="field field--check">
            <input id={`${id}-mine`} type="checkbox" checked={mine} onChange={(event) => setFilter('mine', event.target.checked ? '1' : null)} />
            <label htmlFor={`${id}-mine`}>Only mine</label>
          </div>
        )}
        {connection && (
          <p className="filters__count" aria-live="polite">
            {formatInt(connection.totalCount)} {connection.totalCount === 1 ? 'campaign' : 'campaigns'}
          </p>
        )}
      </form>

      {error && !connection && <ErrorNotice error={error} what="campaigns" onRetry={() => void refetch()} />}
      {!connection && loading && <Loading what="campaigns" />}
      {connection && campaigns.length === 0 && (
        filtered ? (
          <EmptyState title="No campaign matches these filters" action={<Link className="button" to="/campaigns">Clear filters</Link>}>
            <p>Choose another status or include other researchers' public campaigns.</p>
          </EmptyState>
        ) : (
          <EmptyState
            title={signedIn ? 'No campaigns yet' : 'No public campaigns yet'}
            action={
              signedIn ? (
                <Link className="button button--primary" to="/campaigns/new">
                  Write a brief
                </Link>
              ) : (
                <Link className="button" to="/sign-in" state={{ from: '/campaigns/new' }}>
                  Sign in to write a brief
                </Link>
              )
            }
          >
            <p>A campaign starts from a brief: a hypothesis, a training script, a dataset and a search space.</p>
          </EmptyState>
        )
      )}
      {campaigns.length > 0 && (
        <div className="table-wrap">
          <table className="table table--stack">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col" className="num">
                  Best val_bpb
                </th>
                <th scope="col">Owner</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((campaign) => (
                <CampaignRow key={campaign.id} campaign={campaign} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {error && connection && <ErrorNotice error={error} what="more campaigns" onRetry={() => void refetch()} />}
      {connection?.pageInfo.hasNextPage && (
        <button
          type="button"
          className="button load-more"
          disabled={loading}
          onClick={() => void fetchMore({ variables: { after: connection.pageInfo.endCursor } })}
        >
          {loading ? 'Loading…' : 'Show more campaigns'}
        </button>
      )}
    </section>
  );
}

function CampaignRow({ campaign }: { campaign: CampaignListItemFragment }) {
  const { stats } = campaign;
  return (
    <tr>
      <td data-label="Campaign">
        <Link to={`/campaigns/${encodeURIComponent(campaign.id)}`} className="strong">
          {campaign.name}
        </Link>
        <div className="muted small">{campaign.script.name}</div>
        {campaign.status === 'RUNNING' && <LiveCampaign id={campaign.id} />}
      </td>
      <td data-label="Status">
        <StatusBadge status={campaign.status} />
      </td>
      <td data-label="Progress" className="cell-progress">
        <StateBar counts={stats} compact />
      </td>
      <td data-label="Best val_bpb" className="num">
        {formatBpb(stats.bestValBpb)}
        {stats.bestValBpb == null && stats.simulated > 0 && (
          <div>
            <SimulatedMarker />
          </div>
        )}
      </td>
      <td data-label="Owner">{campaign.owner.name}</td>
      <td data-label="Created">
        <time dateTime={campaign.createdAt}>{formatDateTime(campaign.createdAt)}</time>
      </td>
    </tr>
  );
}

/** Keeps a running campaign's row current: each event rewrites it in the normalized cache. */
function LiveCampaign({ id }: { id: string }) {
  useSubscription(CampaignListLive, { variables: { id } });
  return null;
}
