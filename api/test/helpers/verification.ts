// Verification scenarios through the public API: honest and fabricating workers, admin trust.
import { ADMIN_TOKEN } from './env.ts';
import { gql } from './graphql.ts';
import { registerWorker, type LeaseInfo } from './platform.ts';

// Spot checks never drawn, so each test says which results are replicated; the top results are
// confirmed only when a test runs the reaper (its timer is 60 s in tests).
export const VERIFYING = { XEENET_VERIFICATION: 'replay', XEENET_REPLICATION_CV: '1000000', XEENET_VERIFY_TOP: '2' };

export const LEASE_OR_REFUSAL = `mutation {
  leaseTask {
    __typename
    ... on MutationLeaseTaskSuccess { data { lease { token taskId campaignId index config seed budgetS attempt expiresAt
      script { sha256 url } dataset { sha256 url } } } }
    ... on ExcludedError { message reason }
    ... on QuotaExceededError { message quota retryAfterS }
    ... on Error { message }
  }
}`;

export const COMPLETE_VERIFIED = `mutation ($input: CompleteTaskInput!) {
  completeTask(input: $input) {
    __typename
    ... on MutationCompleteTaskSuccess { data { duplicate creditsEarned pendingVerification result { id validation creditState } } }
    ... on Error { message }
  }
}`;

export interface FleetWorker {
  name: string;
  token: string;
  id: string;
}

export async function worker(url: string, name: string, options: { trusted?: boolean } = {}): Promise<FleetWorker> {
  const registered = await registerWorker(url, name);
  if (options.trusted) {
    await gql(url, `mutation ($id: ID!) { setWorkerTrusted(workerId: $id, trusted: true) { __typename } }`, { id: registered.id }, ADMIN_TOKEN);
  }
  return { name, ...registered };
}

/** What an honest run of a task reports: a function of the task alone, as a replay would reproduce it. */
export function honestNumbers(config: Record<string, unknown>, seed: number) {
  const lr = Number(config.lr ?? 0.001);
  const valBpb = 2.4 + ((seed % 97) / 970) + Math.abs(Math.log10(lr) + 3) / 10;
  return { valBpb, trainLoss: valBpb * 0.69, steps: 120 };
}

export function resultInput(numbers: { valBpb: number; trainLoss: number; steps: number }) {
  return {
    ...numbers,
    wallS: 3.2,
    metrics: {
      val_bpb: numbers.valBpb,
      device: 'cpu',
      torch_version: '1.13.1',
      cpu_kernels: { aten: 'AVX2', openblas: 'Cooperlake' },
      replay: { budget_tokens: 122880, device: 'cpu', num_threads: 2 },
    },
    stdoutTail: '{"type":"result"}',
  };
}

export async function leaseOrRefusal(url: string, token: string): Promise<{ lease: LeaseInfo | null; refusal: string | null; reason?: string }> {
  const data = await gql(url, LEASE_OR_REFUSAL, {}, token);
  const result = data.leaseTask;
  if (result.__typename === 'MutationLeaseTaskSuccess') return { lease: result.data.lease, refusal: null };
  return { lease: null, refusal: result.__typename, reason: result.reason };
}

export async function completeWith(url: string, token: string, grant: LeaseInfo, numbers: { valBpb: number; trainLoss: number; steps: number }) {
  const data = await gql(url, COMPLETE_VERIFIED, { input: { taskId: grant.taskId, leaseToken: grant.token, result: resultInput(numbers) } }, token);
  if (data.completeTask.__typename !== 'MutationCompleteTaskSuccess') throw new Error(data.completeTask.message);
  return data.completeTask.data as { duplicate: boolean; creditsEarned: number; pendingVerification: boolean; result: { id: string; validation: string; creditState: string } };
}

/** Leases one task and reports on it: honestly, or with an invented val_bpb of 1.0. */
export async function work(url: string, who: FleetWorker, honest: boolean) {
  const { lease, refusal } = await leaseOrRefusal(url, who.token);
  if (!lease) return { lease: null, refusal };
  const numbers = honest ? honestNumbers(lease.config, lease.seed) : { valBpb: 1.0, trainLoss: 0.69, steps: 120 };
  return { lease, refusal: null, completion: await completeWith(url, who.token, lease, numbers) };
}

export async function reputation(url: string, workerId: string) {
  const data = await gql(
    url,
    `query ($id: ID!) { node(id: $id) { ... on Worker { reputation { consecutiveValid strikes dailyQuota established trusted excluded excludedReason } } } }`,
    { id: workerId },
    ADMIN_TOKEN,
  );
  return data.node.reputation as { consecutiveValid: number; strikes: number; dailyQuota: number; established: boolean; excluded: boolean; excludedReason: string | null };
}

export async function balanceOf(url: string, token: string): Promise<number> {
  const data = await gql(url, '{ me { balance credits { pending granted } } }', {}, token);
  return data.me.balance as number;
}

export async function campaignView(url: string, token: string, id: string) {
  const data = await gql(
    url,
    `query ($id: ID!) { node(id: $id) { ... on Campaign { status verificationReserve
      stats { total succeeded bestValBpb meanValBpb verified pendingVerification inconclusive replicas replicasLive pendingBestValBpb }
      bestTask { valBpb validation } pendingBestTask { valBpb }
      tasks(first: 100) { edges { node { id validation valBpb replicas { id status } canonicalResult { valBpb } } } } } } }`,
    { id },
    token,
  );
  return data.node;
}
