import { useQuery } from '@apollo/client/react';
import { useDeferredValue, useEffect, useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { StateBar } from '../../components/StateBar';
import { StatusBadge } from '../../components/StatusBadge';
import { graphql } from '../../gql';
import { useThrottled } from '../../lib/use-throttled';
import { formatBpb, formatCredits, formatDateTime, formatInt, formatParam, formatSeconds } from '../../lib/format';
import { AshaRungs } from './AshaRungs';
import { CancelCampaign } from './CancelCampaign';
import { paramAxes, type Point } from './chart-data';
import { download, exportFileName, resultsTable, toCsv, toTsv } from './export-results';
import { ParallelCoordinates } from './ParallelCoordinates';
import { ParamChart } from './ParamChart';
import { ProgressChart } from './ProgressChart';
import { ReplicatesPanel } from './ReplicatesPanel';
import { TaskTable } from './TaskTable';
import { useCampaignData } from './use-campaign-data';

export const CampaignSummary = graphql(`
  fragment CampaignSummary on Campaign {
    id
    name
    status
    createdAt
    finishedAt
    taskCount
    owner {
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
      meanValBpb
      stdValBpb
      verified
      pendingVerification
      pendingBestValBpb
    }
    bestTask {
      id
      index
      valBpb
      config
    }
  }
`);

const CampaignDetail = graphql(`
  query CampaignDetail($id: ID!) {
    campaign(id: $id) {
      ...CampaignSummary
      hypothesis
      searchSpace
      strategy
      strategyOptions
      confirm {
        topK
        seeds
      }
      seed
      budgetS
      maxAttempts
      visibility
      allowSimulated
      costCredits
      script {
        id
        name
        title
      }
      dataset {
        id
        name
        title
      }
    }
    me {
      id
      role
    }
  }
`);

/** Confirm-before-keep verdicts, read again as results arrive (they change with every replicate). */
const CampaignConfirmations = graphql(`
  query CampaignConfirmations($id: ID!) {
    campaign(id: $id) {
      id
      confirmations {
        noiseFloor
        configs {
          rank
          config
          n
          mean
          low
          high
          values
          distinguishable
        }
      }
    }
  }
`);

/** How long the verdicts wait for further results before being read again. */
const CONFIRMATIONS_REFRESH_MS = 2000;

const NO_POINTS: Point[] = [];
/** Redraws of the charts while results stream in; a lone result still shows at once. */
const CHART_REFRESH_MS = 500;

/** The strategy's parameters as " (eta=3, rungs=3)"; nothing when it has none. */
function strategyOptionsText(options: unknown): string {
  if (typeof options !== 'object' || options === null) return '';
  const entries = Object.entries(options as Record<string, unknown>);
  return entries.length ? ` (${entries.map(([key, value]) => `${key}=${formatParam(value)}`).join(', ')})` : '';
}

function constants(space: unknown): [string, unknown][] {
  if (typeof space !== 'object' || space === null) return [];
  return Object.entries(space as Record<string, unknown>).filter(([, spec]) => typeof spec !== 'object' || spec === null);
}

function searchedKeys(space: unknown): string[] {
  if (typeof space !== 'object' || space === null) return [];
  return Object.entries(space as Record<string, unknown>)
    .filter(([, spec]) => typeof spec === 'object' && spec !== null)
    .map(([key]) => key)
    .sort();
}

export default function CampaignPage() {
  const { id = '' } = useParams();
  const detail = useQuery(CampaignDetail, { variables: { id }, fetchPolicy: 'cache-and-network', nextFetchPolicy: 'cache-first' });
  const campaign = detail.data?.campaign;
  const data = useCampaignData(id, campaign?.stats.succeeded ?? null);

  const { points } = data;
  // Charts redraw at their own pace: at most twice a second, and never blocking typing or scrolling.
  const chartPoints = useDeferredValue(useThrottled(points, CHART_REFRESH_MS), NO_POINTS);
  const axes = useMemo(() => paramAxes(chartPoints, campaign?.searchSpace), [chartPoints, campaign?.searchSpace]);
  const paramKeys = useMemo(() => searchedKeys(campaign?.searchSpace), [campaign?.searchSpace]);

  // Replicates: only campaigns that asked to confirm before keep have them; re-read as results land.
  const confirming = campaign?.confirm != null;
  const confirmations = useQuery(CampaignConfirmations, { variables: { id }, skip: !confirming, fetchPolicy: 'cache-and-network' });
  const succeededCount = campaign?.stats.succeeded ?? 0;
  const { refetch: refetchConfirmations } = confirmations;
  useEffect(() => {
    if (!confirming || succeededCount === 0) return;
    const timer = setTimeout(() => void refetchConfirmations(), CONFIRMATIONS_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [confirming, succeededCount, refetchConfirmations]);
  const replicateRows = useMemo(
    () =>
      (confirmations.data?.campaign?.confirmations.configs ?? []).map((row) => ({
        ...row,
        config: typeof row.config === 'object' && row.config !== null ? (row.config as Record<string, unknown>) : {},
      })),
    [confirmations.data],
  );

  if (detail.error && !campaign) return <ErrorNotice error={detail.error} what="the campaign" onRetry={() => void detail.refetch()} />;
  if (!detail.data) return <Loading what="the campaign" />;
  if (!campaign) {
    return (
      <EmptyState title="Campaign not found" action={<Link className="button" to="/campaigns">Back to campaigns</Link>}>
        <p>It does not exist, or it is private to another researcher. Check the link, or pick a campaign from the list.</p>
      </EmptyState>
    );
  }

  const { stats } = campaign;
  const me = detail.data.me;
  const canCancel = campaign.status === 'RUNNING' && (me?.role === 'ADMIN' || me?.id === campaign.owner.id);

  function exportAs(kind: 'tsv' | 'csv') {
    if (!campaign) return;
    const table = resultsTable(data.tasks);
    const text = kind === 'tsv' ? toTsv(table) : toCsv(table);
    download(exportFileName(campaign.name, kind), text, kind === 'tsv' ? 'text/tab-separated-values' : 'text/csv');
  }

  return (
    <article className="campaign" aria-labelledby="campaign-title">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/campaigns">Campaigns</Link> <span aria-hidden="true">›</span> <span aria-current="page">{campaign.name}</span>
      </nav>
      <header className="page-head">
        <div>
          <h1 id="campaign-title">
            {campaign.name} <StatusBadge status={campaign.status} />
            {data.liveError != null && (
              <span className="live live--reconnecting not-live" data-testid="not-live">
                Not live
              </span>
            )}
          </h1>
          <p className="muted small">
            by {campaign.owner.name} · created {formatDateTime(campaign.createdAt)}
            {campaign.finishedAt && ` · finished ${formatDateTime(campaign.finishedAt)}`}
          </p>
        </div>
        <div className="page-head__actions">
          <button type="button" className="button" onClick={() => exportAs('tsv')} disabled={!data.complete} data-testid="export-tsv">
            Export TSV
          </button>
          <button type="button" className="button" onClick={() => exportAs('csv')} disabled={!data.complete}>
            Export CSV
          </button>
          {canCancel && (
            <CancelCampaign
              campaignId={campaign.id}
              unfinished={stats.queued + stats.leased}
              onCancelled={async () => {
                data.reload();
                await detail.refetch();
              }}
            />
          )}
        </div>
      </header>
      {!data.complete && data.tasks.length > 0 && <p className="muted small">Exports are available once every task has loaded.</p>}
      {data.liveError != null && (
        <ErrorNotice error={data.liveError} what="live updates (the table and charts are not updating)" onRetry={data.retryLive} />
      )}

      <p className="hypothesis">{campaign.hypothesis}</p>

      <section className="stats" aria-label="Summary">
        <div className="stat">
          <span className="stat__label">Best val_bpb</span>
          <span className="stat__value" data-testid="best-val-bpb">
            {formatBpb(stats.bestValBpb)}
          </span>
          {campaign.bestTask && <span className="muted small">task #{campaign.bestTask.index}</span>}
          {stats.pendingBestValBpb != null && (
            <span className="muted small" data-testid="pending-best">
              pending best {formatBpb(stats.pendingBestValBpb)}: awaits verification
            </span>
          )}
        </div>
        <div className="stat">
          <span className="stat__label">Mean ± std</span>
          <span className="stat__value">
            {stats.meanValBpb == null ? '—' : `${formatBpb(stats.meanValBpb)} ± ${stats.stdValBpb == null ? '—' : stats.stdValBpb.toFixed(4)}`}
          </span>
        </div>
        <div className="stat">
          <span className="stat__label">Succeeded</span>
          <span className="stat__value">
            {formatInt(stats.succeeded)} / {formatInt(stats.total)}
          </span>
          {stats.simulated > 0 && <span className="muted small">{formatInt(stats.simulated)} simulated (not in the figures)</span>}
          {(stats.verified > 0 || stats.pendingVerification > 0) && (
            <span className="muted small" data-testid="verification-counts">
              {formatInt(stats.verified)} verified · {formatInt(stats.pendingVerification)} awaiting replays
            </span>
          )}
        </div>
        <div className="stat">
          <span className="stat__label">Budget</span>
          <span className="stat__value">{formatSeconds(campaign.budgetS)} / task</span>
          <span className="muted small">{formatCredits(campaign.costCredits)} reserved</span>
        </div>
      </section>
      <StateBar counts={stats} />

      <details className="card details">
        <summary>Brief</summary>
        <dl className="facts">
          <dt>Script</dt>
          <dd>
            {campaign.script.title} ({campaign.script.name})
          </dd>
          <dt>Dataset</dt>
          <dd>{campaign.dataset.title}</dd>
          <dt>Strategy</dt>
          <dd>
            {campaign.strategy.toLowerCase()}
            {strategyOptionsText(campaign.strategyOptions)}, seed {campaign.seed}, up to {campaign.maxAttempts} attempts per task
          </dd>
          {campaign.confirm && (
            <>
              <dt>Confirm before keep</dt>
              <dd>
                the best {campaign.confirm.topK} configs re-run with {campaign.confirm.seeds} new {campaign.confirm.seeds === 1 ? 'seed' : 'seeds'} each
              </dd>
            </>
          )}
          <dt>Visibility</dt>
          <dd>
            {campaign.visibility.toLowerCase()}
            {campaign.allowSimulated ? ', simulated workers allowed' : ''}
          </dd>
          <dt>Constants</dt>
          <dd>{constants(campaign.searchSpace).map(([key, value]) => `${key}=${formatParam(value)}`).join(', ') || 'none'}</dd>
          <dt>Search space</dt>
          <dd>
            <code className="json">{JSON.stringify(campaign.searchSpace)}</code>
          </dd>
        </dl>
      </details>

      <div className="charts">
        <ProgressChart points={chartPoints} tasks={data.tasks} />
        <ParamChart points={chartPoints} axes={axes} />
        <ParallelCoordinates points={chartPoints} axes={axes} />
      </div>

      {campaign.strategy === 'ASHA' && <AshaRungs tasks={data.tasks} budgetS={campaign.budgetS} />}
      {replicateRows.length > 0 && (
        <ReplicatesPanel rows={replicateRows} noiseFloor={confirmations.data?.campaign?.confirmations.noiseFloor ?? null} paramKeys={paramKeys} />
      )}

      {data.error != null && <ErrorNotice error={data.error} what="the tasks" onRetry={data.reload} />}
      <TaskTable tasks={data.tasks} paramKeys={paramKeys} totalCount={data.totalCount} complete={data.complete} budgetS={campaign.budgetS} />
    </article>
  );
}
