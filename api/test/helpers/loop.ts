// Campaign-loop steps for tests, through the public GraphQL API: a campaign's tasks with their
// provenance and marks, agent proposals, and a worker that runs tasks with a chosen val_bpb.
import { gql } from './graphql.ts';
import { complete, FAIL, lease, type LeaseInfo } from './platform.ts';

export interface LoopTask {
  id: string;
  index: number;
  config: Record<string, unknown>;
  seed: number;
  budgetS: number;
  budgetScale: number;
  description: string | null;
  role: 'EXPLORE' | 'CONFIRM';
  mark: 'KEEP' | 'DISCARD' | 'CRASH' | null;
  status: string;
  valBpb: number | null;
  parent: { id: string; index: number } | null;
  markAgainst: { index: number } | null;
  derivedFrom: Record<string, unknown> | null;
}

export const CAMPAIGN_TASKS = `query ($id: ID!) {
  campaign(id: $id) {
    status taskCount tasksRemaining costCredits strategyOptions confirm { topK seeds }
    stats { total queued leased succeeded failed }
    tasks(first: 1000) { edges { node {
      id index config seed budgetS budgetScale description role mark status valBpb derivedFrom
      parent { id index } markAgainst { index }
    } } }
  }
}`;

export interface LoopCampaignState {
  status: string;
  taskCount: number;
  tasksRemaining: number;
  costCredits: number;
  strategyOptions: Record<string, unknown>;
  confirm: { topK: number; seeds: number } | null;
  stats: { total: number; queued: number; leased: number; succeeded: number; failed: number };
  tasks: LoopTask[];
}

export async function campaignTasks(url: string, token: string, campaignId: string): Promise<LoopCampaignState> {
  const data = await gql(url, CAMPAIGN_TASKS, { id: campaignId }, token);
  const campaign = data.campaign;
  return { ...campaign, tasks: campaign.tasks.edges.map((edge: { node: LoopTask }) => edge.node) as LoopTask[] };
}

export const PROPOSE = `mutation ($campaignId: ID!, $experiments: [ExperimentInput!]!) {
  proposeExperiments(campaignId: $campaignId, experiments: $experiments) {
    __typename
    ... on MutationProposeExperimentsSuccess { data { tasks { id index config seed description role parent { id } parentId } campaign { tasksRemaining proposalsRemaining } } }
    ... on ValidationError { message fieldErrors { path message } }
    ... on TaskBudgetExceededError { message requested remaining }
    ... on Error { message }
  }
}`;

export async function propose(url: string, token: string, campaignId: string, experiments: Record<string, unknown>[]) {
  const data = await gql(url, PROPOSE, { campaignId, experiments }, token);
  return data.proposeExperiments;
}

export const CANCEL = `mutation ($id: ID!) { cancelCampaign(id: $id) { __typename } }`;

/** Leases one task and reports `value(config)` for it (null: a final failure); null when the queue is empty. */
export async function runOne(
  url: string,
  workerToken: string,
  value: (grant: LeaseInfo) => number | null,
): Promise<{ grant: LeaseInfo; value: number | null } | null> {
  const grant = await lease(url, workerToken);
  if (!grant) return null;
  const result = value(grant);
  if (result === null) {
    await gql(url, FAIL, { input: { taskId: grant.taskId, leaseToken: grant.token, reason: 'diverged', retryable: false } }, workerToken);
  } else {
    const done = await complete(url, workerToken, grant, result);
    if (done.__typename !== 'MutationCompleteTaskSuccess') throw new Error(`completion refused: ${JSON.stringify(done)}`);
  }
  return { grant, value: result };
}

/** A smooth, deterministic val_bpb of a config: lowest near lr = 1e-3, n_layer = 3, cosine. */
export function syntheticValBpb(config: Record<string, unknown>): number {
  const lr = Number(config.lr ?? 1e-3);
  const layers = Number(config.n_layer ?? 3);
  const schedule = config.schedule === 'cosine' ? 0 : config.schedule === 'linear' ? 0.05 : 0.1;
  return Number((2 + Math.log10(lr / 1e-3) ** 2 + 0.03 * (layers - 3) ** 2 + schedule).toFixed(6));
}
