// Typical platform steps for tests, done through the public GraphQL API.
import { ADMIN_TOKEN } from './env.ts';
import { gql } from './graphql.ts';

export const SEARCH_SPACE = {
  lr: { type: 'loguniform', low: 0.0003, high: 0.003 },
  schedule: { type: 'choice', values: ['cosine', 'linear', 'constant'] },
  n_layer: { type: 'int', low: 1, high: 4 },
  dropout: 0.0,
};

export async function createAccount(url: string, name: string, role: 'RESEARCHER' | 'WORKER' | 'ADMIN' | 'REVIEWER' = 'RESEARCHER') {
  const data = await gql(
    url,
    `mutation ($input: CreateAccountInput!) {
      createAccount(input: $input) {
        __typename
        ... on MutationCreateAccountSuccess { data { token account { id name } } }
        ... on Error { message }
      }
    }`,
    { input: { name, role } },
    ADMIN_TOKEN,
  );
  const result = data.createAccount;
  if (result.__typename !== 'MutationCreateAccountSuccess') throw new Error(result.message);
  return { token: result.data.token as string, id: result.data.account.id as string };
}

export async function registerWorker(url: string, name: string, options: { token?: string; simulated?: boolean } = {}) {
  const data = await gql(
    url,
    `mutation ($input: RegisterWorkerInput!) {
      registerWorker(input: $input) {
        __typename
        ... on MutationRegisterWorkerSuccess { data { token worker { id name } } }
        ... on Error { message }
      }
    }`,
    { input: { name, hardware: { cpu: 'test cpu', cores: 2, ramMb: 1024 }, simulated: options.simulated ?? false } },
    options.token,
  );
  const result = data.registerWorker;
  if (result.__typename !== 'MutationRegisterWorkerSuccess') throw new Error(result.message);
  return { token: result.data.token as string, id: result.data.worker.id as string };
}

export const SUBMIT_BRIEF = `mutation ($input: SubmitBriefInput!) {
  submitBrief(input: $input) {
    __typename
    ... on MutationSubmitBriefSuccess { data { id name status taskCount costCredits stats { total queued } } }
    ... on ValidationError { message fieldErrors { path message } }
    ... on InsufficientCreditsError { message required available }
    ... on Error { message }
  }
}`;

export function brief(overrides: Record<string, unknown> = {}) {
  return {
    name: 'lr sweep',
    hypothesis: 'A higher learning rate with cosine decay lowers val_bpb at a 5 s budget.',
    script: 'fixture-script',
    dataset: 'brown',
    searchSpace: SEARCH_SPACE,
    taskCount: 4,
    budgetS: 5,
    seed: 7,
    ...overrides,
  };
}

export async function submitBrief(url: string, token: string, overrides: Record<string, unknown> = {}) {
  const data = await gql(url, SUBMIT_BRIEF, { input: brief(overrides) }, token);
  const result = data.submitBrief;
  if (result.__typename !== 'MutationSubmitBriefSuccess') throw new Error(`${result.__typename}: ${result.message} ${JSON.stringify(result.fieldErrors ?? '')}`);
  return result.data as { id: string; name: string; status: string; taskCount: number; costCredits: number };
}

export const LEASE = `mutation {
  leaseTask {
    __typename
    ... on MutationLeaseTaskSuccess {
      data { lease { token taskId campaignId index config seed budgetS attempt expiresAt
        script { sha256 url name sizeBytes } dataset { sha256 url name sizeBytes } } }
    }
    ... on Error { message }
  }
}`;

export interface LeaseInfo {
  token: string;
  taskId: string;
  campaignId: string;
  index: number;
  config: Record<string, unknown>;
  seed: number;
  budgetS: number;
  attempt: number;
  expiresAt: string;
  script: { sha256: string; url: string };
  dataset: { sha256: string; url: string };
}

export async function lease(url: string, workerToken: string): Promise<LeaseInfo | null> {
  const data = await gql(url, LEASE, {}, workerToken);
  if (data.leaseTask.__typename !== 'MutationLeaseTaskSuccess') throw new Error(data.leaseTask.message);
  return data.leaseTask.data.lease;
}

export const HEARTBEAT = `mutation ($input: HeartbeatInput!) {
  heartbeat(input: $input) {
    __typename
    ... on MutationHeartbeatSuccess { data { expiresAt } }
    ... on StaleLeaseError { message reason }
    ... on Error { message }
  }
}`;

export const COMPLETE = `mutation ($input: CompleteTaskInput!) {
  completeTask(input: $input) {
    __typename
    ... on MutationCompleteTaskSuccess { data { duplicate creditsEarned task { status valBpb } result { id valBpb steps accepted simulated } } }
    ... on StaleLeaseError { message reason }
    ... on PayloadTooLargeError { limitBytes }
    ... on ValidationError { message fieldErrors { path message } }
    ... on Error { message }
  }
}`;

export const FAIL = `mutation ($input: FailTaskInput!) {
  failTask(input: $input) {
    __typename
    ... on MutationFailTaskSuccess { data { status willRetry duplicate task { attempts failureReason } } }
    ... on StaleLeaseError { message reason }
    ... on Error { message }
  }
}`;

export function metrics(valBpb = 2.5) {
  return { valBpb, trainLoss: 1.7, steps: 120, wallS: 4.6, metrics: { val_bpb: valBpb, device: 'cpu' }, stdoutTail: '{"type":"result"}' };
}

export async function complete(url: string, workerToken: string, grant: LeaseInfo, valBpb = 2.5) {
  const data = await gql(url, COMPLETE, { input: { taskId: grant.taskId, leaseToken: grant.token, result: metrics(valBpb) } }, workerToken);
  return data.completeTask;
}
