import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeApi } from '../../test/fake-api';
import { renderPage } from '../../test/render';
import { ExplorePage } from './ExplorePage';

const artifact = (id: string, name: string, title: string) => ({ __typename: 'Artifact', id, name, title });

function config(rank: number, patch: Record<string, unknown>) {
  return {
    __typename: 'ExploreConfig',
    rank,
    config: { lr: 0.001, schedule: 'cosine', n_layer: 2 },
    runs: 1,
    seeds: 1,
    meanValBpb: 2.4,
    stdValBpb: null,
    bestValBpb: 2.4,
    interval: null,
    overlapsTop: null,
    campaignCount: 1,
    campaigns: [{ __typename: 'Campaign', id: 'c1', name: 'Cosine vs linear' }],
    ...patch,
  };
}

const group = (bestConfigs: unknown[], noiseFloorStd: number | null) => ({
  __typename: 'ExploreGroup',
  script: artifact('s1', 'char-tiny', 'Char transformer'),
  dataset: artifact('d1', 'tinyshakespeare', 'TinyShakespeare'),
  budgetS: 5,
  budgetKind: 'WALL',
  budgetAmount: null,
  budgetUnit: null,
  resultCount: 4,
  configCount: 2,
  campaignCount: 2,
  noiseFloorStd,
  bestConfigs,
});

const filterOptions = {
  scripts: { __typename: 'QueryArtifactsConnection', edges: [{ __typename: 'QueryArtifactsConnectionEdge', node: { ...artifact('s1', 'char-tiny', 'Char transformer'), sha256: 'sha-s1' } }] },
  datasets: { __typename: 'QueryArtifactsConnection', edges: [{ __typename: 'QueryArtifactsConnectionEdge', node: { ...artifact('d1', 'brown', 'Brown'), sha256: 'sha-d1' } }] },
};

describe('ExplorePage', () => {
  it('shows each group’s best configs with their bands, says "single run" where there is none, and links the campaigns', async () => {
    const api = new FakeApi({
      ExploreFilters: () => filterOptions,
      Explore: () => ({
        explore: [
          group(
            [
              config(1, { runs: 3, seeds: 3, meanValBpb: 2.2, stdValBpb: 0.1, bestValBpb: 2.1, interval: { __typename: 'NoiseBand', low: 1.9516, high: 2.4484, halfWidth: 0.2484 }, overlapsTop: true }),
              config(2, { config: { lr: 0.003, schedule: 'cosine', n_layer: 2 }, campaigns: [{ __typename: 'Campaign', id: 'c2', name: 'One run' }] }),
            ],
            0.1,
          ),
        ],
      }),
    });
    renderPage(<ExplorePage />, api, { signedOut: true });
    const card = await screen.findByTestId('explore-group');
    expect(within(card).getByRole('heading', { name: /Char transformer on TinyShakespeare/ })).toBeInTheDocument();
    expect(within(card).getByTestId('noise-floor')).toHaveTextContent('0.1000');
    const [top, second] = within(card).getAllByTestId('explore-config');
    expect(top).toHaveTextContent('2.2000 ± 0.2484');
    expect(top).toHaveTextContent('3 seeds');
    expect(within(top!).getByTestId('noise-band-interval')).toBeInTheDocument();
    expect(second).toHaveTextContent('2.4000 single run');
    expect(within(second!).queryByTestId('noise-band-interval')).toBeNull();
    // Only the parameter that differs is shown: what the ranking is about.
    expect(within(second!).getByText('lr=0.003')).toBeInTheDocument();
    expect(within(second!).getByRole('link', { name: 'One run' })).toHaveAttribute('href', '/campaigns/c2');
  });

  it('says what would fill it when no public campaign has results', async () => {
    renderPage(<ExplorePage />, new FakeApi({ Explore: () => ({ explore: [] }), ExploreFilters: () => filterOptions }), { signedOut: true });
    expect(await screen.findByText('No public results yet')).toBeInTheDocument();
  });

  it('asks the API for one script and dataset from the filters, kept in the URL', async () => {
    const api = new FakeApi({ Explore: () => ({ explore: [] }), ExploreFilters: () => filterOptions });
    renderPage(<ExplorePage />, api, { signedOut: true });
    await screen.findByText('No public results yet');
    await userEvent.selectOptions(await screen.findByLabelText('Script'), 'sha-s1');
    expect(await screen.findByText('No public results for this script and dataset')).toBeInTheDocument();
    expect(api.calls.filter((call) => call.operationName === 'Explore').at(-1)?.variables).toMatchObject({ script: 'sha-s1', dataset: null });
  });

  it('says the seed noise is unknown when no config was replicated', async () => {
    renderPage(<ExplorePage />, new FakeApi({ Explore: () => ({ explore: [group([config(1, {})], null)] }), ExploreFilters: () => filterOptions }), { signedOut: true });
    expect(await screen.findByTestId('noise-floor')).toHaveTextContent('seed noise unknown');
  });
});
