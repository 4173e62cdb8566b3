// Completes a campaign's tasks through the real worker protocol (registerWorker, leaseTask,
// heartbeat, completeTask) from workers registered with simulated: true. Their results are
// synthetic and the API marks them simulated; the campaign must allow simulated workers.
import { gql } from './harness.ts';

const LEASE = `mutation { leaseTask { __typename
  ... on MutationLeaseTaskSuccess { data { lease { taskId token index config budgetS } } }
  ... on Error { message } } }`;
const HEARTBEAT = `mutation($input: HeartbeatInput!) { heartbeat(input: $input) { __typename ... on Error { message } } }`;
const COMPLETE = `mutation($input: CompleteTaskInput!) { completeTask(input: $input) { __typename ... on Error { message } } }`;
const REGISTER = `mutation($input: RegisterWorkerInput!) { registerWorker(input: $input) { __typename
  ... on MutationRegisterWorkerSuccess { data { token } } ... on Error { message } } }`;

interface Lease {
  taskId: string;
  token: string;
  index: number;
  config: Record<string, unknown>;
  budgetS: number;
}

/** A made-up but smooth val_bpb landscape over the config, so charts have shape; marked simulated. */
export function syntheticValBpb(config: Record<string, unknown>, index: number): number {
  const lr = typeof config.lr === 'number' ? config.lr : 0.01;
  const optimum = Math.log10(0.02);
  const noise = ((Math.sin(index * 78.233) * 43758.5453) % 1) * 0.08;
  const width = typeof config.n_hidden === 'number' ? 0.05 * Math.log2(256 / config.n_hidden) : 0;
  return 2.2 + 0.9 * (Math.log10(lr) - optimum) ** 2 + Math.abs(width) + Math.abs(noise);
}

export async function registerSimulatedWorker(url: string, name: string): Promise<string> {
  const data = await gql<{ registerWorker: { data?: { token: string }; message?: string } }>(url, null, REGISTER, {
    input: { name, simulated: true, slots: 1, hardware: { cpu: 'simulated', cores: 1, device: 'cpu', platform: 'simulated' } },
  });
  if (!data.registerWorker.data) throw new Error(`registerWorker: ${data.registerWorker.message}`);
  return data.registerWorker.data.token;
}

export async function leaseOne(url: string, token: string): Promise<Lease | null> {
  const data = await gql<{ leaseTask: { data?: { lease: Lease | null }; message?: string } }>(url, token, LEASE);
  if (!data.leaseTask.data) throw new Error(`leaseTask: ${data.leaseTask.message}`);
  return data.leaseTask.data.lease;
}

export async function heartbeat(url: string, token: string, lease: Lease, step: number, elapsedS: number): Promise<void> {
  await gql(url, token, HEARTBEAT, { input: { taskId: lease.taskId, leaseToken: lease.token, progress: { step, elapsedS, trainLoss: 3 - step / 1000 } } });
}

export async function complete(url: string, token: string, lease: Lease): Promise<void> {
  const valBpb = syntheticValBpb(lease.config, lease.index);
  const result = { valBpb, trainLoss: valBpb * Math.LN2 * 0.98, steps: 500 + (lease.index % 300), wallS: lease.budgetS * 0.9, simulated: true, metrics: { val_bpb: valBpb, simulated: true } };
  const data = await gql<{ completeTask: { __typename: string; message?: string } }>(url, token, COMPLETE, {
    input: { taskId: lease.taskId, leaseToken: lease.token, result },
  });
  if (data.completeTask.__typename !== 'MutationCompleteTaskSuccess') throw new Error(`completeTask: ${data.completeTask.message}`);
}

/** Leases and completes up to `count` tasks with `concurrency` simulated workers; returns how many. */
export async function completeTasks(url: string, tokens: string[], count: number, onProgress?: (done: number) => void): Promise<number> {
  let done = 0;
  let claimed = 0;
  await Promise.all(
    tokens.map(async (token) => {
      while (claimed < count) {
        claimed += 1;
        const lease = await leaseOne(url, token);
        if (!lease) return;
        await complete(url, token, lease);
        done += 1;
        if (done % 250 === 0) onProgress?.(done);
      }
    }),
  );
  return done;
}
