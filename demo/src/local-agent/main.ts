// `npm run local-agent -w @xeenet/demo`: the reference agent. Submits an AGENT campaign of
// char-transformer, runs the local loop on it from outside and prints the best; the last line is JSON.
import { XeeNetClient } from '../client.ts';
import { AGENT_USAGE, loadAgentSettings, UsageError } from '../settings.ts';
import { runAgent } from './agent.ts';
import { AgentSetup, SubmitAgentCampaign } from './operations.ts';
import { localPolicy } from './policy.ts';

async function main(): Promise<number> {
  let settings;
  try {
    settings = loadAgentSettings(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${AGENT_USAGE}`);
    return 2;
  }
  if (settings === 'help') {
    console.log(AGENT_USAGE);
    return 0;
  }
  const client = new XeeNetClient(settings.server, settings.token);
  try {
    const setup = await client.request(AgentSetup, {});
    const script = setup.scripts.edges.map((edge) => edge.node).find((node) => node.name === settings.script && node.available);
    if (!script) throw new Error(`the platform has no available ${settings.script} script`);
    const searchSpace = script.searchSpace as Record<string, unknown>;
    const submitted = await client.request(SubmitAgentCampaign, {
      input: {
        name: 'local agent',
        hypothesis: 'One-parameter changes around the best config, kept when better, lower val_bpb (autoresearch’s loop, driven from outside).',
        script: script.sha256,
        dataset: settings.dataset,
        searchSpace,
        strategy: 'AGENT',
        taskCount: settings.tasks,
        budgetS: settings.budgetS ?? script.defaultBudgetS ?? 10,
        seed: settings.seed,
        allowSimulated: settings.allowSimulated,
      },
    });
    const outcome = submitted.submitBrief;
    if (outcome.__typename !== 'MutationSubmitBriefSuccess') throw new Error(`submitBrief: ${outcome.message}`);
    console.log(`campaign ${outcome.data.id}: ${outcome.data.taskCount} tasks of ${outcome.data.budgetS} s, driven by the local policy`);
    const run = await runAgent(client, outcome.data.id, localPolicy(searchSpace), { parallel: settings.parallel, log: (line) => console.log(line) });
    console.log(`stopped (${run.stopped}): ${run.results} results, best ${run.best ? `#${run.best.index} val_bpb ${run.best.valBpb}` : 'none'}`);
    console.log(
      JSON.stringify({
        campaign_id: run.campaignId,
        proposed: run.proposed,
        results: run.results,
        best_val_bpb: run.best?.valBpb ?? null,
        best_task: run.best?.index ?? null,
        best_config: run.best?.config ?? null,
        stopped: run.stopped,
      }),
    );
    return 0;
  } finally {
    await client.close();
  }
}

process.exitCode = await main();
