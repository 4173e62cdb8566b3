// Explore: the best configs per script, dataset and budget across public campaigns, with their
// seed noise; private campaigns never count, for anyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { noiseFloor } from '../../src/modules/search/confirm.ts';
import { gql } from '../helpers/graphql.ts';
import { complete, createAccount, lease, registerWorker, submitBrief } from '../helpers/platform.ts';

const EXPLORE = `query ($script: String, $dataset: String) {
  explore(script: $script, dataset: $dataset) {
    script { name } dataset { name } budgetS budgetKind budgetAmount resultCount configCount campaignCount noiseFloorStd
    bestConfigs { rank config runs seeds meanValBpb stdValBpb bestValBpb interval { level low high halfWidth } overlapsTop campaignCount campaigns { id name } }
  }
}`;

/** Every task of a campaign with this fixed config: seed replicates. */
const fixed = (lr: number) => ({ lr, schedule: 'cosine', n_layer: 2, dropout: 0 });

describe.each(DATABASES)('explore on %s', (database) => {
  let app: TestApp;
  let url: string;
  let ada: { token: string; id: string };
  let replicated: { id: string };
  let single: { id: string };

  async function run(campaignId: string, worker: string, values: number[]) {
    for (const value of values) {
      const grant = await lease(url, worker);
      expect(grant?.campaignId).toBe(campaignId);
      await complete(url, worker, grant!, value);
    }
  }

  beforeAll(async () => {
    app = await startTestApp(database);
    url = app.graphqlUrl;
    ada = await createAccount(url, 'Ada');
    const machine = await registerWorker(url, 'volunteer');
    replicated = await submitBrief(url, ada.token, { name: 'three seeds', visibility: 'PUBLIC', searchSpace: fixed(0.001), taskCount: 3 });
    await run(replicated.id, machine.token, [2.1, 2.2, 2.3]);
    single = await submitBrief(url, ada.token, { name: 'one run', visibility: 'PUBLIC', searchSpace: fixed(0.003), taskCount: 1 });
    await run(single.id, machine.token, [2.4]);
    // The best result of all, in a private campaign: it must not show anywhere.
    const secret = await submitBrief(url, ada.token, { name: 'secret best', visibility: 'PRIVATE', searchSpace: fixed(0.002), taskCount: 1 });
    await run(secret.id, machine.token, [1.5]);
  });
  afterAll(() => app?.stop());

  it('ranks public configs by mean with a t interval over seed replicates, and says when a config ran once', async () => {
    const { explore } = await gql(url, EXPLORE, {}, null);
    expect(explore).toHaveLength(1);
    const [group] = explore;
    expect(group).toMatchObject({ script: { name: 'fixture-script' }, dataset: { name: 'brown' }, budgetS: 5, budgetKind: 'WALL', budgetAmount: null, resultCount: 4, configCount: 2, campaignCount: 2 });
    // Pooled within-config std (the campaign loop's noiseFloor): only the replicated config contributes.
    expect(group.noiseFloorStd).toBeCloseTo(noiseFloor([[2.1, 2.2, 2.3], [2.4]])!.sd, 9);
    expect(group.noiseFloorStd).toBeCloseTo(0.1, 9);
    const [top, second] = group.bestConfigs;
    expect(top).toMatchObject({ rank: 1, runs: 3, seeds: 3, bestValBpb: 2.1, campaignCount: 1, campaigns: [{ id: replicated.id, name: 'three seeds' }] });
    expect(top.config).toMatchObject(fixed(0.001));
    expect(top.meanValBpb).toBeCloseTo(2.2, 9);
    expect(top.stdValBpb).toBeCloseTo(0.1, 9);
    // t(0.975, 2) = 4.3027: 4.3027 × 0.1 / √3.
    expect(top.interval.level).toBe(0.95);
    expect(top.interval.halfWidth).toBeCloseTo((4.3027 * 0.1) / Math.sqrt(3), 4);
    expect(top.interval.low).toBeCloseTo(2.2 - top.interval.halfWidth, 9);
    expect(top.overlapsTop).toBe(true);
    expect(second).toMatchObject({ rank: 2, runs: 1, seeds: 1, meanValBpb: 2.4, stdValBpb: null, interval: null, overlapsTop: null });
    expect(second.campaigns).toEqual([{ id: single.id, name: 'one run' }]);
  });

  it('never counts a private campaign, not even for its owner', async () => {
    for (const token of [null, ada.token]) {
      const text = JSON.stringify((await gql(url, EXPLORE, {}, token)).explore);
      expect(text).not.toContain('secret best');
      expect(text).not.toContain('1.5');
      expect(text).not.toContain('0.002');
    }
  });

  it('filters by script and dataset name', async () => {
    expect((await gql(url, EXPLORE, { script: 'fixture-script', dataset: 'brown' }, null)).explore).toHaveLength(1);
    expect((await gql(url, EXPLORE, { script: 'no-such-script' }, null)).explore).toEqual([]);
    expect((await gql(url, EXPLORE, { dataset: 'no-such-dataset' }, null)).explore).toEqual([]);
  });
});
