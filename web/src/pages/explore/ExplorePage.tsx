// "What works": the best configs per script, dataset and budget across every public campaign,
// with their seed noise (mean ± a 95% interval over replicates, or "single run"), and links to the
// campaigns that ran them. Open to everyone, signed in or not.
import { useQuery } from '@apollo/client/react';
import { useId } from 'react';
import { Link, useSearchParams } from 'react-router';
import { EmptyState } from '../../components/EmptyState';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Loading } from '../../components/Loading';
import { graphql } from '../../gql';
import type { ExploreQuery } from '../../gql/graphql';
import { formatBpb, formatInt, formatParam, formatSeconds, plural } from '../../lib/format';
import { NoiseBandBar, bandDomain } from '../../components/NoiseBandBar';

const Explore = graphql(`
  query Explore($script: String, $dataset: String) {
    explore(script: $script, dataset: $dataset, first: 20, configsPerGroup: 5) {
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
      budgetS
      budgetKind
      budgetAmount
      budgetUnit
      resultCount
      configCount
      campaignCount
      noiseFloorStd
      bestConfigs {
        rank
        config
        runs
        seeds
        meanValBpb
        stdValBpb
        bestValBpb
        interval {
          low
          high
          halfWidth
        }
        overlapsTop
        campaignCount
        campaigns {
          id
          name
        }
      }
    }
  }
`);

const ExploreFilters = graphql(`
  query ExploreFilters {
    scripts: artifacts(kind: SCRIPT, first: 100) {
      edges {
        node {
          id
          sha256
          name
          title
        }
      }
    }
    datasets: artifacts(kind: DATASET, first: 100) {
      edges {
        node {
          id
          sha256
          name
          title
        }
      }
    }
  }
`);

type Group = ExploreQuery['explore'][number];
type Config = Group['bestConfigs'][number];

function asConfig(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The keys whose values differ between the group's top configs: what the ranking is about. */
function varyingKeys(configs: readonly Config[]): string[] {
  const keys = new Set(configs.flatMap((config) => Object.keys(asConfig(config.config))));
  return [...keys]
    .filter((key) => new Set(configs.map((config) => JSON.stringify(asConfig(config.config)[key]))).size > 1)
    .sort();
}

function verdict(config: Config): string {
  if (config.rank === 1) return config.interval ? 'best mean' : 'best (single run)';
  if (config.overlapsTop === true) return 'within noise of the best';
  if (config.overlapsTop === false) return 'worse than the best';
  return 'not comparable: a single run';
}

function ConfigRow({ config, keys, domain }: { config: Config; keys: string[]; domain: [number, number] }) {
  const values = asConfig(config.config);
  const shown = keys.length > 0 ? keys : Object.keys(values).sort();
  return (
    <tr data-testid="explore-config" data-rank={config.rank}>
      <td data-label="Rank" className="num">
        {config.rank}
      </td>
      <td data-label="Mean val_bpb" className="num">
        <span className="strong" data-testid="explore-mean">
          {formatBpb(config.meanValBpb)}
        </span>
        {config.interval ? (
          <span className="muted small"> ± {config.interval.halfWidth.toFixed(4)}</span>
        ) : (
          <span className="muted small"> single run</span>
        )}
      </td>
      <td data-label="Noise band" className="cell-band">
        <NoiseBandBar mean={config.meanValBpb} interval={config.interval} domain={domain} />
      </td>
      <td data-label="Runs" className="num">
        {formatInt(config.runs)}
        {config.seeds > 1 && <span className="muted small"> ({config.seeds} seeds)</span>}
      </td>
      <td data-label="Best run" className="num">
        {formatBpb(config.bestValBpb)}
      </td>
      <td data-label="Config">
        <code className="small">{shown.map((key) => `${key}=${formatParam(values[key])}`).join(' ') || '—'}</code>
        <div className="muted small">{verdict(config)}</div>
      </td>
      <td data-label="Campaigns">
        {config.campaigns.map((campaign, i) => (
          <span key={campaign.id}>
            {i > 0 && ', '}
            <Link to={`/campaigns/${encodeURIComponent(campaign.id)}`}>{campaign.name}</Link>
          </span>
        ))}
        {config.campaignCount > config.campaigns.length && <span className="muted small"> and {config.campaignCount - config.campaigns.length} more</span>}
      </td>
    </tr>
  );
}

function GroupCard({ group }: { group: Group }) {
  const id = useId();
  const keys = varyingKeys(group.bestConfigs);
  const domain = bandDomain(group.bestConfigs);
  return (
    <section className="card explore-group" aria-labelledby={`${id}-title`} data-testid="explore-group">
      <h2 id={`${id}-title`}>
        {group.script.title} on {group.dataset.title}{' '}
        <span className="muted small">
          {group.budgetKind === 'COMPUTE' && group.budgetAmount != null
            ? `at ${formatParam(group.budgetAmount)} ${group.budgetUnit?.toLowerCase() ?? 'units'} per task (compute)`
            : `at ${formatSeconds(group.budgetS)} per task (wall)`}
        </span>
      </h2>
      <p className="muted small">
        {plural(group.resultCount, 'result')} of {plural(group.configCount, 'config')} from {plural(group.campaignCount, 'public campaign')} ·{' '}
        {group.noiseFloorStd == null ? (
          <span data-testid="noise-floor">seed noise unknown: no config was run with more than one seed yet</span>
        ) : (
          <span data-testid="noise-floor">seed noise (pooled std over replicates) {group.noiseFloorStd.toFixed(4)} bpb</span>
        )}
      </p>
      <div className="table-wrap">
        <table className="table table--stack">
          <caption className="visually-hidden">
            Best configs of {group.script.name} on {group.dataset.name}, lowest mean val_bpb first
          </caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col" className="num">
                Mean val_bpb (95%)
              </th>
              <th scope="col">Noise band</th>
              <th scope="col" className="num">
                Runs
              </th>
              <th scope="col" className="num">
                Best run
              </th>
              <th scope="col">Config</th>
              <th scope="col">Campaigns</th>
            </tr>
          </thead>
          <tbody>
            {group.bestConfigs.map((config) => (
              <ConfigRow key={config.rank} config={config} keys={keys} domain={domain} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function ExplorePage() {
  const id = useId();
  const [params, setParams] = useSearchParams();
  const script = params.get('script');
  const dataset = params.get('dataset');
  const { data, error, refetch } = useQuery(Explore, { variables: { script, dataset } });
  const filters = useQuery(ExploreFilters);
  const groups = data?.explore;
  const filtered = script !== null || dataset !== null;

  function setFilter(key: 'script' | 'dataset', value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }
  return (
    <section aria-labelledby={`${id}-title`}>
      <div className="page-head">
        <h1 id={`${id}-title`}>Explore: what works</h1>
      </div>
      <p className="muted">
        The best configs of each training script on each dataset at each per-task budget, from every public campaign&apos;s canonical
        results: real (simulated ones never count) and, where verification is on, verified by independent replays. A mean comes with its 95% interval when the config was run with several seeds; two configs whose
        intervals overlap are not shown to differ.
      </p>
      <form className="filters" aria-label="Filter results" onSubmit={(event) => event.preventDefault()}>
        <div className="field field--inline">
          <label htmlFor={`${id}-script`}>Script</label>
          <select id={`${id}-script`} value={script ?? ''} onChange={(event) => setFilter('script', event.target.value)}>
            <option value="">Any</option>
            {filters.data?.scripts.edges.map(({ node }) => (
              <option key={node.id} value={node.sha256}>
                {node.title} ({node.name})
              </option>
            ))}
          </select>
        </div>
        <div className="field field--inline">
          <label htmlFor={`${id}-dataset`}>Dataset</label>
          <select id={`${id}-dataset`} value={dataset ?? ''} onChange={(event) => setFilter('dataset', event.target.value)}>
            <option value="">Any</option>
            {filters.data?.datasets.edges.map(({ node }) => (
              <option key={node.id} value={node.sha256}>
                {node.title}
              </option>
            ))}
          </select>
        </div>
      </form>
      {error && !groups && <ErrorNotice error={error} what="the public results" onRetry={() => void refetch()} />}
      {!groups && !error && <Loading what="the public results" />}
      {groups && groups.length === 0 && filtered && (
        <EmptyState title="No public results for this script and dataset" action={<Link className="button" to="/explore">Clear filters</Link>}>
          <p>No public campaign has real results for this choice yet.</p>
        </EmptyState>
      )}
      {groups && groups.length === 0 && !filtered && (
        <EmptyState title="No public results yet" action={<Link className="button" to="/campaigns">Browse campaigns</Link>}>
          <p>Results appear here once a public campaign has finished tasks on real workers.</p>
        </EmptyState>
      )}
      {groups?.map((group) => (
        <GroupCard key={`${group.script.id}/${group.dataset.id}/${group.budgetS}`} group={group} />
      ))}
    </section>
  );
}
