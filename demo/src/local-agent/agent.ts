// The agent loop, independent of its policy: subscribe to the campaign's results first (so none is
// missed), propose the baseline, then on every marked result update the best and propose what the
// policy wants until the campaign's task budget is spent. Keeps `parallel` experiments in flight.
import type { Subscription, XeeNetClient } from '../client.ts';
import { AgentCampaign, AgentResults, CancelAgentCampaign, ProposeExperiments } from './operations.ts';
import { type AgentPolicy, type AgentState, type Config, configKey, type Experiment } from './policy.ts';

export interface AgentRun {
  campaignId: string;
  proposed: number;
  results: number;
  best: { index: number; valBpb: number; config: Config } | null;
  /** Why it stopped: the budget was spent, or the policy had nothing left (the rest was refunded). */
  stopped: 'budget' | 'exhausted';
}

export class AgentError extends Error {}

/** Results are also re-read this often, in case an event was missed (a subscription not yet live). */
const RECONCILE_MS = 2000;

export async function runAgent(
  client: XeeNetClient,
  campaignId: string,
  policy: AgentPolicy,
  options: { parallel?: number; log?: (line: string) => void } = {},
): Promise<AgentRun> {
  const parallel = Math.max(1, options.parallel ?? 1);
  const log = options.log ?? (() => {});
  const state: { best: AgentState['best']; tried: Set<string> } = { best: null, tried: new Set() };
  const byTask = new Map<string, number>();
  let inFlight = 0;
  let remaining = Infinity;
  let proposed = 0;
  let results = 0;
  let bestIndex = -1;

  let settle!: (run: AgentRun) => void;
  let fail!: (error: Error) => void;
  const finished = new Promise<AgentRun>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  let queue = Promise.resolve();
  const serially = (step: () => Promise<void>) => {
    queue = queue.then(step).catch((error: unknown) => fail(error as Error));
  };

  async function propose(experiments: Experiment[]): Promise<void> {
    if (!experiments.length) return;
    for (const experiment of experiments) state.tried.add(configKey(experiment.config));
    const { proposeExperiments: outcome } = await client.request(ProposeExperiments, {
      campaignId,
      experiments: experiments.map((experiment) => ({ config: experiment.config, description: experiment.description, parentTaskId: experiment.parentTaskId })),
    });
    if (outcome.__typename !== 'MutationProposeExperimentsSuccess') {
      throw new AgentError(`proposeExperiments: ${outcome.__typename}: ${'message' in outcome ? outcome.message : ''}`);
    }
    outcome.data.tasks.forEach((task, i) => {
      byTask.set(task.id, task.index);
      log(`proposed #${task.index}: ${experiments[i]!.description}`);
    });
    inFlight += experiments.length;
    proposed += experiments.length;
    remaining = outcome.data.campaign.proposalsRemaining;
  }

  async function topUp(): Promise<void> {
    const room = Math.min(parallel - inFlight, remaining);
    if (room > 0) await propose(policy.next(state, room));
    if (inFlight > 0) return;
    const stopped = remaining <= 0 ? 'budget' : 'exhausted';
    // Nothing left to try before the budget is spent: end the campaign so its escrow comes back.
    if (stopped === 'exhausted') await client.request(CancelAgentCampaign, { id: campaignId });
    const best = state.best ? { index: bestIndex, valBpb: state.best.valBpb, config: state.best.config } : null;
    settle({ campaignId, proposed, results, best, stopped });
  }

  type Result = { id: string; index: number; config: unknown; valBpb?: number | null; mark?: string | null };
  const onResult = (task: Result) =>
    serially(async () => {
        if (!byTask.has(task.id)) return; // another client's proposal, or one seen twice
        byTask.delete(task.id);
        inFlight--;
        results++;
        log(`result #${task.index}: ${task.valBpb ?? 'crash'} ${task.mark ?? ''}`);
        if (task.valBpb !== null && task.valBpb !== undefined && (!state.best || task.valBpb < state.best.valBpb)) {
          state.best = { taskId: task.id, config: task.config as Config, valBpb: task.valBpb };
          bestIndex = task.index;
        }
        await topUp();
    });
  const subscription: Subscription = client.subscribe(AgentResults, { campaignId }, ({ campaignResults }) => onResult(campaignResults), (error) => fail(error));
  const reconcile = setInterval(() => {
    serially(async () => {
      const { campaign } = await client.request(AgentCampaign, { id: campaignId });
      if (!campaign) throw new AgentError('the campaign disappeared');
      for (const { node } of campaign.tasks.edges) if (node.mark && byTask.has(node.id)) onResult(node);
      // Closed with experiments of ours that will never report (cancelled by someone else).
      const waiting = campaign.tasks.edges.some(({ node }) => byTask.has(node.id) && !node.mark);
      if (campaign.status !== 'RUNNING' && waiting) throw new AgentError(`the campaign is ${campaign.status.toLowerCase()}`);
    });
  }, RECONCILE_MS);
  try {
    serially(() => propose([policy.baseline()]));
    return await finished;
  } finally {
    clearInterval(reconcile);
    subscription.dispose();
  }
}
