// `npm run demo`: submit the demo campaign to a running XeeNet, follow it live over graphql-ws,
// print the summary; the last line is JSON. Also a small example of the API for integrators:
// a query (what is there), a mutation with a result union (submitBrief), two subscriptions
// (campaignUpdated, taskUpdated), and a paginated read of the results.
import { ApiError, type Subscription, XeeNetClient } from './client.ts';
import type { CampaignResultsQuery, DemoSetupQuery } from './gql/graphql.ts';
import { CampaignProgress, CampaignResults, DemoSetup, SubmitDemo, TaskUpdates } from './operations.ts';
import { type Counts, ProgressView, progressLine } from './progress.ts';
import { type DemoSettings, FALLBACK_DATASET, loadSettings, PREFERRED_DATASET, SCRIPT, USAGE, UsageError } from './settings.ts';
import { type FinishedTask, summarize, summaryLines } from './summary.ts';

/** While the subscriptions are live, the campaign is also re-read this often, in case an event was missed. */
const POLL_MS = 5000;

type Dataset = DemoSetupQuery['datasets']['edges'][number]['node'];

class DemoError extends Error {}

function chooseDataset(settings: DemoSettings, datasets: Dataset[]): { dataset: Dataset; note: string | null } {
  const byRef = (ref: string) => datasets.find((d) => d.name === ref || d.sha256 === ref.toLowerCase());
  if (settings.dataset) {
    const chosen = byRef(settings.dataset);
    if (!chosen) throw new DemoError(`no dataset named ${JSON.stringify(settings.dataset)} (there are: ${datasets.map((d) => d.name).join(', ')})`);
    if (!chosen.available) throw new DemoError(chosen.unavailableReason ?? `${chosen.name} is not available`);
    return { dataset: chosen, note: null };
  }
  const preferred = byRef(PREFERRED_DATASET);
  if (preferred?.available) return { dataset: preferred, note: null };
  const fallback = byRef(FALLBACK_DATASET);
  if (!fallback?.available) throw new DemoError(`neither ${PREFERRED_DATASET} nor ${FALLBACK_DATASET} is available on this platform`);
  const why = preferred ? 'its bytes are not on this platform; the banner of `npm start` says how to add them (XEENET_DATASETS_DIR)' : 'it is not registered';
  return { dataset: fallback, note: `TinyShakespeare is not available (${why}): using the Brown corpus instead.` };
}

async function readResults(client: XeeNetClient, id: string) {
  const tasks: FinishedTask[] = [];
  let after: string | null = null;
  let status = 'RUNNING';
  for (;;) {
    const page: CampaignResultsQuery = await client.request(CampaignResults, { id, after });
    const { campaign } = page;
    if (!campaign) throw new DemoError('the campaign disappeared');
    status = campaign.status;
    for (const { node } of campaign.tasks.edges) {
      tasks.push({ index: node.index, status: node.status, config: node.config, valBpb: node.valBpb, steps: node.result?.steps ?? null, wallS: node.result?.wallS ?? null });
    }
    if (!campaign.tasks.pageInfo.hasNextPage) return { status, stats: campaign.stats, tasks };
    after = campaign.tasks.pageInfo.endCursor;
  }
}

async function run(settings: DemoSettings): Promise<number> {
  const client = new XeeNetClient(settings.server, settings.token);
  const subscriptions: Subscription[] = [];
  try {
    const setup = await client.request(DemoSetup, {});
    if (!setup.me) throw new DemoError('the API does not know this token');
    const script = setup.scripts.edges.map((edge) => edge.node).find((node) => node.name === SCRIPT);
    if (!script?.searchSpace) throw new DemoError(`the platform has no ${SCRIPT} script with a default search space`);
    const { dataset, note } = chooseDataset(settings, setup.datasets.edges.map((edge) => edge.node));
    if (note) console.log(note);
    const budgetS = settings.budgetS ?? script.defaultBudgetS ?? 9;

    const submitted = await client.request(SubmitDemo, {
      input: {
        name: `demo: ${SCRIPT} on ${dataset.name}`,
        hypothesis: `A random search over ${SCRIPT}'s default search space finds configs that beat the unigram level of ${dataset.name} within ${budgetS} s per task.`,
        script: script.sha256,
        dataset: dataset.sha256,
        searchSpace: script.searchSpace,
        taskCount: settings.tasks,
        budgetS,
        seed: settings.seed,
        strategy: 'RANDOM',
      },
    });
    const result = submitted.submitBrief;
    if (result.__typename === 'ValidationError') {
      throw new DemoError(`the brief was refused: ${result.fieldErrors.map((error) => `${error.path.join('.')}: ${error.message}`).join('; ')}`);
    }
    if (result.__typename === 'InsufficientCreditsError') {
      throw new DemoError(`not enough credits: the campaign costs ${result.required}, the account has ${result.available} (try fewer --tasks or a smaller --budget)`);
    }
    if (result.__typename !== 'MutationSubmitBriefSuccess') throw new DemoError(`the brief was refused: ${result.message}`);
    const campaign = result.data;
    const dashboard = `${settings.server}/campaigns/${encodeURIComponent(campaign.id)}`;
    console.log(`Submitted "${campaign.name}": ${campaign.taskCount} tasks × ${campaign.budgetS} s, ${campaign.costCredits} credits reserved.`);
    console.log(`Follow it on the dashboard too: ${dashboard}`);

    const started = Date.now();
    const view = new ProgressView(process.stdout, settings.interactive);
    let counts: Counts = { total: campaign.taskCount, queued: campaign.taskCount, leased: 0, succeeded: 0, failed: 0, cancelled: 0, bestValBpb: null };
    const redraw = () => view.update(progressLine(counts, (Date.now() - started) / 1000), JSON.stringify(counts));
    let poll: NodeJS.Timeout | undefined;
    const finished = new Promise<void>((resolve, reject) => {
      const onCampaign = (status: string, stats: Counts) => {
        counts = stats;
        redraw();
        if (status !== 'RUNNING') resolve();
      };
      subscriptions.push(
        client.subscribe(CampaignProgress, { id: campaign.id }, ({ campaignUpdated }) => onCampaign(campaignUpdated.status, campaignUpdated.stats), reject),
        client.subscribe(
          TaskUpdates,
          { campaignId: campaign.id },
          ({ taskUpdated: task }) => {
            if (task.status === 'SUCCEEDED') {
              const steps = task.result?.steps ?? '?';
              const wall = task.result?.wallS?.toFixed(1) ?? '?';
              view.note(`  task ${task.index}  val_bpb ${task.valBpb?.toFixed(4)}  ${steps} steps  ${wall} s`);
            } else if (task.status === 'FAILED') view.note(`  task ${task.index}  failed: ${task.failureReason ?? 'no reason given'}`);
          },
          reject,
        ),
      );
      poll = setInterval(() => {
        redraw();
        readResults(client, campaign.id).then(({ status, stats }) => onCampaign(status, stats), reject);
      }, POLL_MS);
    });
    try {
      await finished;
    } finally {
      clearInterval(poll);
      view.end();
    }

    const { status, tasks } = await readResults(client, campaign.id);
    const summary = summarize(tasks);
    const wallS = (Date.now() - started) / 1000;
    console.log(`Campaign ${status.toLowerCase()} on ${dataset.name}:`);
    for (const line of summaryLines(summary, wallS)) console.log(line);
    console.log(
      JSON.stringify({
        ...summary,
        campaign_wall_s: Math.round(wallS * 10) / 10,
        campaign_id: campaign.id,
        status: status.toLowerCase(),
        script: SCRIPT,
        dataset: dataset.name,
        budget_s: budgetS,
        url: dashboard,
      }),
    );
    return summary.completed > 0 ? 0 : 1;
  } finally {
    for (const subscription of subscriptions) subscription.dispose();
    await client.close().catch(() => {});
  }
}

process.once('SIGINT', () => {
  console.log('\nStopped following; the campaign keeps running on the platform.');
  process.exit(130);
});

try {
  const settings = loadSettings(process.argv.slice(2), process.env, Boolean(process.stdout.isTTY));
  if (settings === 'help') {
    console.log(USAGE);
    process.exit(0);
  }
  process.exitCode = await run(settings);
} catch (error) {
  if (error instanceof UsageError || error instanceof DemoError || error instanceof ApiError) {
    console.error(`demo: ${error.message}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  } else throw error;
}
