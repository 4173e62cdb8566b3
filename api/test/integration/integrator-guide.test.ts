// The integrator's guide in api/README.md runs as written: each `<!-- guide:name -->` block is
// executed against a real API, so the documented operations cannot drift from the schema.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, startTestApp, type TestApp } from '../helpers/app.ts';
import { ADMIN_TOKEN } from '../helpers/env.ts';
import { gql, request } from '../helpers/graphql.ts';
import { brief, complete, lease, registerWorker } from '../helpers/platform.ts';
import { collect, wsClient } from '../helpers/ws.ts';

const README = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');

function guide(name: string): string {
  const match = new RegExp(`<!-- guide:${name} -->\\s*\`\`\`graphql\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!match) throw new Error(`api/README.md has no guide:${name} block`);
  return match[1]!;
}

describe.each(DATABASES)('the integrator guide on %s', (database) => {
  let app: TestApp;
  let token: string;
  let campaignId: string;

  beforeAll(async () => {
    app = await startTestApp(database);
  });
  afterAll(() => app?.stop());

  it('creates a researcher with the admin token', async () => {
    const data = await gql(app.graphqlUrl, guide('create-account'), { input: { name: 'Ada', role: 'RESEARCHER' } }, ADMIN_TOKEN);
    expect(data.createAccount.__typename).toBe('MutationCreateAccountSuccess');
    token = data.createAccount.data.token;
    expect(token).toMatch(/^xn_/);
  });

  it('submits a brief, and answers a bad one with field errors', async () => {
    const bad = await gql(app.graphqlUrl, guide('submit-brief'), { input: brief({ taskCount: 0 }) }, token);
    expect(bad.submitBrief.__typename).toBe('ValidationError');
    expect(bad.submitBrief.fieldErrors.map((error: { path: string[] }) => error.path.join('.'))).toContain('taskCount');

    const good = await gql(app.graphqlUrl, guide('submit-brief'), { input: brief({ taskCount: 3 }) }, token);
    expect(good.submitBrief.__typename).toBe('MutationSubmitBriefSuccess');
    campaignId = good.submitBrief.data.id;
  });

  it('follows results by subscription and reads them page by page', async () => {
    const client = wsClient(app.graphqlUrl, token);
    const events = collect(client, guide('follow-results'), { campaignId });
    await new Promise((resolve) => setTimeout(resolve, 300));

    const worker = await registerWorker(app.graphqlUrl, 'guide-worker');
    const grant = (await lease(app.graphqlUrl, worker.token))!;
    await complete(app.graphqlUrl, worker.token, grant, 2.5);
    const done = await events.next((event) => event.taskUpdated.id === grant.taskId && event.taskUpdated.status === 'SUCCEEDED');
    expect(done.taskUpdated.valBpb).toBe(2.5);
    events.dispose();
    await client.dispose();

    const page = await gql(app.graphqlUrl, guide('read-results'), { id: campaignId, after: null }, token);
    expect(page.campaign.tasks.totalCount).toBe(1); // VAL_BPB lists only tasks with a result
    expect(page.campaign.tasks.edges[0].node.valBpb).toBe(2.5);
    expect(page.campaign.stats.succeeded).toBe(1);

    // A page past the list's maximum is a typed GraphQL error, not a silent truncation.
    const tooBig = await request(app.graphqlUrl, guide('read-results').replace('first: 100', 'first: 100000'), { id: campaignId }, token);
    expect(tooBig.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
