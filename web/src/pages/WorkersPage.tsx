import { useQuery, useSubscription } from '@apollo/client/react';
import { useId, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { EmptyState } from '../components/EmptyState';
import { ErrorNotice } from '../components/ErrorNotice';
import { Loading } from '../components/Loading';
import { graphql } from '../gql';
import type { WorkerCardFragment } from '../gql/graphql';
import { formatAgo, formatInt, formatSeconds } from '../lib/format';
import { useNow } from '../lib/use-now';

export const WorkerCard = graphql(`
  fragment WorkerCard on Worker {
    id
    name
    online
    simulated
    slots
    lastSeenAt
    owner {
      id
      name
    }
    reputation {
      consecutiveValid
      established
      strikes
      excluded
      excludedReason
      dailyQuota
      leasedToday
    }
    hardware {
      cpu
      cores
      ramMb
      gpu
      gpuMemoryMb
      device
      torchVersion
    }
    currentTasks {
      id
      index
      budgetS
      leasedAt
      campaign {
        id
        name
      }
      progress {
        step
        trainLoss
        elapsedS
      }
    }
  }
`);

/**
 * Workers per page. The API's complexity limit counts each worker's current tasks ×10 (a list),
 * so a page of full worker cards stays moderate; the e2e suite checks it fits.
 */
export const WORKERS_PAGE_SIZE = 50;

const WorkersQuery = graphql(`
  query Workers($first: Int!, $after: String, $online: Boolean) {
    workers(first: $first, after: $after, online: $online) {
      totalCount
      edges {
        node {
          ...WorkerCard
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const WorkerUpdates = graphql(`
  subscription WorkerUpdates {
    workerUpdated {
      ...WorkerCard
    }
  }
`);

/** The API's own window: a worker heard from within 60 s is online. */
export const ONLINE_WINDOW_MS = 60_000;

/** Online by the server's word at read time, and still heard from recently now. */
export function isOnline(worker: Pick<WorkerCardFragment, 'online' | 'lastSeenAt'>, now: number): boolean {
  return worker.online && now - new Date(worker.lastSeenAt).getTime() < ONLINE_WINDOW_MS;
}

export function WorkersPage() {
  const id = useId();
  const [params, setParams] = useSearchParams();
  const show = params.get('show') === 'online' || params.get('show') === 'offline' ? params.get('show')! : 'all';
  const now = useNow(5000);
  const { data, error, loading, refetch, fetchMore } = useQuery(WorkersQuery, {
    variables: { first: WORKERS_PAGE_SIZE, online: show === 'all' ? null : show === 'online' },
  });
  // Worker ids this filter's list has held or been refetched for: a worker the list cannot show
  // (another filter's, beyond the first page) triggers one refetch, not one per event.
  const known = useRef(new Map<string, Set<string>>());
  useSubscription(WorkerUpdates, {
    onData: ({ data: event }) => {
      const worker = event.data?.workerUpdated;
      if (!worker || !data) return;
      const listed = data.workers.edges.map((edge) => edge.node);
      let ids = known.current.get(show);
      if (!ids) known.current.set(show, (ids = new Set()));
      for (const node of listed) ids.add(node.id);
      if (ids.has(worker.id)) return;
      // A worker never seen here (a new registration): read the list again.
      ids.add(worker.id);
      void refetch();
    },
  });

  const workers = data?.workers.edges.map((edge) => edge.node) ?? [];
  const visible = workers.filter((worker) => show === 'all' || isOnline(worker, now) === (show === 'online'));
  const onlineCount = workers.filter((worker) => isOnline(worker, now)).length;

  return (
    <section aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Workers</h1>
      </div>
      <div className="filters" role="group" aria-label="Filter workers">
        <div className="field field--inline">
          <label htmlFor={`${id}-show`}>Show</label>
          <select
            id={`${id}-show`}
            value={show}
            onChange={(event) => {
              const next = new URLSearchParams(params);
              if (event.target.value === 'all') next.delete('show');
              else next.set('show', event.target.value);
              setParams(next, { replace: true });
            }}
          >
            <option value="all">All workers</option>
            <option value="online">Online</option>
            <option value="offline">Offline</option>
          </select>
        </div>
        {data && (
          <p className="filters__count" aria-live="polite">
            {show === 'all' ? `${formatInt(onlineCount)} online of ${formatInt(data.workers.totalCount)}` : `${formatInt(visible.length)} ${show}`}
          </p>
        )}
      </div>
      {error && !data && <ErrorNotice error={error} what="workers" onRetry={() => void refetch()} />}
      {!data && loading && <Loading what="workers" />}
      {data && visible.length === 0 && (
        <EmptyState title={show === 'all' ? 'No workers have registered yet' : `No ${show} workers`}>
          <p>
            Start one on any machine with Python and PyTorch: <code>node worker/bin/xeenet-worker.js start --server {window.location.origin}</code>.
            It registers itself and appears here.
          </p>
        </EmptyState>
      )}
      {visible.length > 0 && (
        <ul className="workers">
          {visible.map((worker) => (
            <WorkerItem key={worker.id} worker={worker} now={now} />
          ))}
        </ul>
      )}
      {data?.workers.pageInfo.hasNextPage && (
        <button type="button" className="button load-more" onClick={() => void fetchMore({ variables: { after: data.workers.pageInfo.endCursor } })}>
          Show more workers
        </button>
      )}
    </section>
  );
}

function hardwareSummary(hardware: WorkerCardFragment['hardware']): string {
  const parts = [
    hardware.gpu ? `${hardware.gpu}${hardware.gpuMemoryMb ? ` (${Math.round(hardware.gpuMemoryMb / 1024)} GB)` : ''}` : null,
    hardware.cpu ? `${hardware.cpu}${hardware.cores ? `, ${hardware.cores} cores` : ''}` : hardware.cores ? `${hardware.cores} cores` : null,
    hardware.ramMb ? `${Math.round(hardware.ramMb / 1024)} GB RAM` : null,
  ].filter(Boolean);
  return parts.join(' · ') || 'Hardware not reported';
}

function WorkerItem({ worker, now }: { worker: WorkerCardFragment; now: number }) {
  const online = isOnline(worker, now);
  const { hardware } = worker;
  return (
    <li className="card worker" data-testid="worker">
      <div className="worker__head">
        <h2 className="worker__name">{worker.name}</h2>
        <span className={`badge ${online ? 'badge--online' : 'badge--offline'}`}>{online ? 'online' : 'offline'}</span>
        {worker.simulated && <span className="badge badge--simulated">simulated</span>}
      </div>
      <p className="muted small">
        {hardwareSummary(hardware)}
        {hardware.device && ` · runs on ${hardware.device}`}
        {hardware.torchVersion && ` · PyTorch ${hardware.torchVersion}`}
      </p>
      <p className="small">
        Last heartbeat <time dateTime={worker.lastSeenAt}>{formatAgo(worker.lastSeenAt, now)}</time> · {worker.slots}{' '}
        {worker.slots === 1 ? 'slot' : 'slots'} · owner {worker.owner.name}
      </p>
      <p className="small" data-testid="reputation">
        {worker.reputation.excluded ? (
          <span className="field__error">Excluded{worker.reputation.excludedReason ? `: ${worker.reputation.excludedReason}` : ''}</span>
        ) : worker.reputation.established ? (
          'Established'
        ) : (
          'New (every result replicated)'
        )}
        {` · ${worker.reputation.consecutiveValid} valid in a row · ${worker.reputation.strikes} ${worker.reputation.strikes === 1 ? 'strike' : 'strikes'} · ${worker.reputation.leasedToday}/${worker.reputation.dailyQuota} tasks today`}
      </p>
      {worker.currentTasks.length === 0 ? (
        <p className="muted small">{online ? 'Idle: waiting for queued tasks.' : 'Not running anything.'}</p>
      ) : (
        <ul className="worker__tasks">
          {worker.currentTasks.map((task) => {
            const elapsed = task.progress?.elapsedS ?? (task.leasedAt ? (now - new Date(task.leasedAt).getTime()) / 1000 : 0);
            const share = task.budgetS > 0 ? Math.min(1, Math.max(0, elapsed / task.budgetS)) : 0;
            return (
              <li key={task.id}>
                <p className="small">
                  Task #{task.index} of <Link to={`/campaigns/${encodeURIComponent(task.campaign.id)}`}>{task.campaign.name}</Link>
                  {task.progress?.step != null && ` · step ${formatInt(task.progress.step)}`}
                  {task.progress?.trainLoss != null && ` · loss ${task.progress.trainLoss.toFixed(3)}`}
                  {` · ${formatSeconds(elapsed)} of ${formatSeconds(task.budgetS)}`}
                </p>
                <div
                  className="bar"
                  role="progressbar"
                  aria-label={`Task ${task.index} time used`}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.round(share * 100)}
                >
                  <span style={{ width: `${share * 100}%` }} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </li>
  );
}
