// Platform steps the tests take through the public GraphQL API (over HTTP, as a researcher would).
import { ADMIN_TOKEN, type ApiProcess } from './api.ts';
import { testDataset } from './paths.ts';

export async function gql<T = Record<string, any>>(
  api: Pick<ApiProcess, 'graphqlUrl'>,
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = ADMIN_TOKEN,
): Promise<T> {
  const response = await fetch(api.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors (HTTP ${response.status}): ${JSON.stringify(body.errors)}`);
  return body.data;
}

export interface BriefOptions {
  name?: string;
  script?: string;
  dataset?: string;
  searchSpace?: Record<string, unknown>;
  taskCount?: number;
  budgetS?: number;
  seed?: number;
  maxAttempts?: number;
  allowSimulated?: boolean;
}

/**
 * Budget for real char-tiny runs in tests. The script gives up when its start-up (interpreter and
 * torch import, ~1.3 s on an idle 2-core machine, 4+ s on a busy one) passes 90% of the budget.
 */
export const TRAIN_BUDGET_S = 6;

/** A small, fast, real search space for char-tiny. */
export const TINY_SPACE = {
  lr: { type: 'loguniform', low: 0.01, high: 0.04 },
  context: { type: 'int', low: 3, high: 5 },
  n_hidden: 128,
  batch_size: 16,
};

export async function submitBrief(api: ApiProcess, options: BriefOptions = {}): Promise<{ id: string; taskCount: number }> {
  const data = await gql(
    api,
    `mutation ($input: SubmitBriefInput!) {
      submitBrief(input: $input) {
        __typename
        ... on MutationSubmitBriefSuccess { data { id taskCount } }
        ... on ValidationError { message fieldErrors { path message } }
        ... on Error { message }
      }
    }`,
    {
      input: {
        name: options.name ?? 'worker test',
        hypothesis: 'The worker runs tasks and reports every result exactly once.',
        script: options.script ?? 'char-tiny',
        dataset: options.dataset ?? testDataset(),
        searchSpace: options.searchSpace ?? TINY_SPACE,
        taskCount: options.taskCount ?? 1,
        budgetS: options.budgetS ?? 3,
        seed: options.seed ?? 1,
        maxAttempts: options.maxAttempts ?? 3,
        allowSimulated: options.allowSimulated ?? false,
      },
    },
  );
  const result = data.submitBrief;
  if (result.__typename !== 'MutationSubmitBriefSuccess') throw new Error(`submitBrief: ${JSON.stringify(result)}`);
  return result.data;
}

export interface TaskView {
  id: string;
  index: number;
  seed: number;
  status: string;
  attempts: number;
  simulated: boolean;
  valBpb: number | null;
  failureReason: string | null;
  worker: { id: string; name: string } | null;
  history: {
    outcome: string;
    accepted: boolean;
    simulated: boolean;
    attempt: number;
    valBpb: number | null;
    steps: number | null;
    wallS: number | null;
    error: string | null;
    stderrTail: string | null;
    stdoutTail: string | null;
    metrics: Record<string, unknown> | null;
    worker: { id: string } | null;
  }[];
}

export interface CampaignView {
  id: string;
  status: string;
  stats: { total: number; queued: number; leased: number; succeeded: number; failed: number; simulated: number; bestValBpb: number | null };
  tasks: Omit<TaskView, 'history'>[];
}

// The API bounds query complexity: tasks come in pages of 25 without history; one task's
// history is read with task().
const TASK_FIELDS = 'id index seed status attempts simulated valBpb failureReason worker { id name }';
const HISTORY_FIELDS = 'history { outcome accepted simulated attempt valBpb steps wallS error stderrTail stdoutTail metrics worker { id } }';

export async function campaign(api: ApiProcess, id: string): Promise<CampaignView> {
  const data = await gql(
    api,
    `query ($id: ID!) {
      campaign(id: $id) {
        id status
        stats { total queued leased succeeded failed simulated bestValBpb }
        tasks(first: 25) { edges { node { ${TASK_FIELDS} } } }
      }
    }`,
    { id },
  );
  const found = data.campaign;
  return { ...found, tasks: found.tasks.edges.map((edge: { node: TaskView }) => edge.node) };
}

/** One task with its full history (every attempt's outcome). */
export async function task(api: ApiProcess, id: string): Promise<TaskView> {
  const data = await gql(api, `query ($id: ID!) { node(id: $id) { ... on Task { ${TASK_FIELDS} ${HISTORY_FIELDS} } } }`, { id });
  return data.node as TaskView;
}

export async function workers(api: ApiProcess): Promise<{ id: string; name: string; simulated: boolean; slots: number; hardware: Record<string, unknown> }[]> {
  const data = await gql(api, `{ workers(first: 100) { edges { node { id name simulated slots hardware { cpu cores ramMb torchVersion pythonVersion device platform } } } } }`);
  return data.workers.edges.map((edge: { node: unknown }) => edge.node);
}

export async function leaderboard(api: ApiProcess): Promise<{ name: string; earned: number; tasksPaid: number }[]> {
  const data = await gql(api, `{ leaderboard(first: 50) { name earned tasksPaid } }`);
  return data.leaderboard;
}

export async function cancelCampaign(api: ApiProcess, id: string): Promise<void> {
  const data = await gql(api, `mutation ($id: ID!) { cancelCampaign(id: $id) { __typename ... on Error { message } } }`, { id });
  if (data.cancelCampaign.__typename !== 'MutationCancelCampaignSuccess') throw new Error(`cancelCampaign: ${JSON.stringify(data.cancelCampaign)}`);
}
