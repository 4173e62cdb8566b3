// The reference agent end to end: the real CLI (`node src/local-agent/main.ts`) drives an AGENT
// campaign on a real API process (PGlite) while a fleet of simulated workers runs its tasks through
// the real worker protocol. It must stop exactly at the budget, and every experiment after the
// baseline must be a one-parameter change of the best result before it, described and marked.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, spawnApi } from '../../api/test/helpers/api-process.ts';
import { gql } from '../../api/test/helpers/graphql.ts';
import { complete, createAccount, lease, registerWorker } from '../../api/test/helpers/platform.ts';

const AGENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/local-agent/main.ts');
const TASKS = 10;

/** Lower near lr = 1e-3, n_layer = 3, cosine: a landscape the local loop can walk down. */
function valBpb(config: Record<string, unknown>): number {
  const lr = Number(config.lr);
  const schedule = config.schedule === 'cosine' ? 0 : config.schedule === 'linear' ? 0.05 : 0.1;
  return Number((2 + Math.log10(lr / 1e-3) ** 2 + 0.03 * (Number(config.n_layer) - 3) ** 2 + schedule).toFixed(6));
}

describe('the reference local agent', () => {
  let api: ApiProcess;
  let stopFleet = false;

  beforeAll(async () => {
    api = await spawnApi({});
  });
  afterAll(async () => {
    stopFleet = true;
    await api?.stop();
  });

  it('runs the local loop over GraphQL to the end of the task budget', async () => {
    const researcher = await createAccount(api.graphqlUrl, 'Agent Smith');
    const fleet = await Promise.all([0, 1].map((i) => registerWorker(api.graphqlUrl, `sim-${i}`, { simulated: true })));
    const ran: string[] = [];
    const workers = fleet.map(async (worker) => {
      while (!stopFleet) {
        const grant = await lease(api.graphqlUrl, worker.token);
        if (!grant) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        ran.push(grant.taskId);
        await complete(api.graphqlUrl, worker.token, grant, valBpb(grant.config));
      }
    });

    const child = spawn(
      process.execPath,
      [AGENT, '--server', api.url, '--token', researcher.token, '--script', 'fixture-script', '--dataset', 'brown', '--tasks', String(TASKS), '--budget', '1', '--parallel', '2', '--allow-simulated'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    stopFleet = true;
    await Promise.all(workers);
    expect(code, output).toBe(0);

    const summary = JSON.parse(output.trimEnd().split('\n').at(-1)!) as { campaign_id: string; proposed: number; results: number; best_val_bpb: number; stopped: string };
    expect(summary).toMatchObject({ proposed: TASKS, results: TASKS, stopped: 'budget' });
    expect(ran).toHaveLength(TASKS);

    const { campaign } = await gql(
      api.graphqlUrl,
      `query ($id: ID!) { campaign(id: $id) { status strategy tasksRemaining json: resultsExport(format: JSON) } }`,
      { id: summary.campaign_id },
      researcher.token,
    );
    expect(campaign).toMatchObject({ strategy: 'AGENT', tasksRemaining: 0 });
    const rows = JSON.parse(campaign.json) as { task: number; parent: number | null; description: string; config: Record<string, unknown>; val_bpb: number; mark: string }[];
    expect(rows).toHaveLength(TASKS);
    expect(rows[0]).toMatchObject({ parent: null, description: 'baseline', mark: 'keep' });
    for (const row of rows.slice(1)) {
      const parent = rows[row.parent!]!;
      expect(Object.keys(row.config).filter((key) => row.config[key] !== parent.config[key])).toHaveLength(1);
      expect(row.description).toMatch(/ → .* around the best \(\d\.\d{4}\)$/);
      expect(row.mark).toBe(row.val_bpb < parent.val_bpb ? 'keep' : 'discard');
    }
    expect(summary.best_val_bpb).toBe(Math.min(...rows.map((row) => row.val_bpb)));
    expect(summary.best_val_bpb).toBeLessThan(rows[0]!.val_bpb);
  }, 120_000);
});
