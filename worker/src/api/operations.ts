// The worker's side of the API contract (schema.graphql): documents and the shapes it reads.

export interface LeasedArtifact {
  sha256: string;
  url: string;
  name: string;
  sizeBytes: number;
}

export interface Lease {
  token: string;
  taskId: string;
  campaignId: string;
  index: number;
  config: Record<string, unknown>;
  seed: number;
  budgetS: number;
  attempt: number;
  maxAttempts: number;
  expiresAt: string;
  script: LeasedArtifact;
  dataset: LeasedArtifact;
}

/** Any member of a mutation's result union. */
export interface UnionResult {
  __typename: string;
  message?: string;
  reason?: string;
  fieldErrors?: { path: string[]; message: string }[];
  limitBytes?: number;
}

export interface ProgressInput {
  step?: number | null;
  trainLoss?: number | null;
  elapsedS?: number | null;
  message?: string | null;
}

export interface CompleteTaskInput {
  taskId: string;
  leaseToken: string;
  result: {
    valBpb: number | null;
    trainLoss: number | null;
    steps: number | null;
    wallS: number | null;
    metrics: Record<string, unknown> | null;
    stdoutTail: string | null;
    simulated: boolean;
  };
}

export interface FailTaskInput {
  taskId: string;
  leaseToken: string;
  reason: string;
  stdoutTail: string | null;
  stderrTail: string | null;
  retryable: boolean;
}

// Inline fragments must name members of each mutation's union, so the error selections differ.
const BASE_ERRORS = `
  ... on ValidationError { message fieldErrors { path message } }
  ... on Error { message }`;
const LEASE_ERRORS = `${BASE_ERRORS}
  ... on StaleLeaseError { message reason }`;
const REPORT_ERRORS = `${LEASE_ERRORS}
  ... on PayloadTooLargeError { message limitBytes }`;

const ARTIFACT = 'sha256 url name sizeBytes';

export const REGISTER_WORKER = `mutation RegisterWorker($input: RegisterWorkerInput!) {
  registerWorker(input: $input) {
    __typename
    ... on MutationRegisterWorkerSuccess { data { token worker { id name } } }
    ${BASE_ERRORS}
  }
}`;

export const UPDATE_WORKER = `mutation UpdateWorker($input: UpdateWorkerInput!) {
  updateWorker(input: $input) {
    __typename
    ... on MutationUpdateWorkerSuccess { data { id name slots } }
    ${BASE_ERRORS}
  }
}`;

export const LEASE_TASK = `mutation LeaseTask {
  leaseTask {
    __typename
    ... on MutationLeaseTaskSuccess {
      data { lease { token taskId campaignId index config seed budgetS attempt maxAttempts expiresAt
        script { ${ARTIFACT} } dataset { ${ARTIFACT} } } }
    }
    ${BASE_ERRORS}
  }
}`;

export const HEARTBEAT = `mutation Heartbeat($input: HeartbeatInput!) {
  heartbeat(input: $input) {
    __typename
    ... on MutationHeartbeatSuccess { data { expiresAt } }
    ${LEASE_ERRORS}
  }
}`;

export const COMPLETE_TASK = `mutation CompleteTask($input: CompleteTaskInput!) {
  completeTask(input: $input) {
    __typename
    ... on MutationCompleteTaskSuccess { data { duplicate creditsEarned result { id accepted simulated } } }
    ${REPORT_ERRORS}
  }
}`;

export const FAIL_TASK = `mutation FailTask($input: FailTaskInput!) {
  failTask(input: $input) {
    __typename
    ... on MutationFailTaskSuccess { data { duplicate willRetry status } }
    ${REPORT_ERRORS}
  }
}`;

export const RELEASE_TASK = `mutation ReleaseTask($input: ReleaseTaskInput!) {
  releaseTask(input: $input) {
    __typename
    ... on MutationReleaseTaskSuccess { data { task { id status } } }
    ${LEASE_ERRORS}
  }
}`;

export type LeaseTaskResult = UnionResult & { data?: { lease: Lease | null } };
export type HeartbeatResult = UnionResult & { data?: { expiresAt: string } };
export type CompleteTaskResult = UnionResult & {
  data?: { duplicate: boolean; creditsEarned: number; result: { id: string; accepted: boolean; simulated: boolean } };
};
export type FailTaskResult = UnionResult & { data?: { duplicate: boolean; willRetry: boolean; status: string } };
export type ReleaseTaskResult = UnionResult & { data?: { task: { id: string; status: string } } };
export type RegisterWorkerResult = UnionResult & { data?: { token: string; worker: { id: string; name: string } } };
export type UpdateWorkerResult = UnionResult & { data?: { id: string; name: string; slots: number } };

export function isSuccess(result: UnionResult): boolean {
  return result.__typename.startsWith('Mutation') && result.__typename.endsWith('Success');
}

/** "StaleLeaseError (EXPIRED): this lease expired…" */
export function describeError(result: UnionResult): string {
  const reason = result.reason ? ` (${result.reason})` : '';
  const fields = result.fieldErrors?.length ? `: ${result.fieldErrors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}` : '';
  return `${result.__typename}${reason}: ${result.message ?? 'no message'}${fields}`;
}
