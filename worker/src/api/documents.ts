// The worker's side of the API contract: every operation it sends, typed from schema.graphql by
// graphql-codegen (src/gql/, `npm run codegen`), and the few shapes it reads from them.
import { graphql } from '../gql/index.ts';
import type { LeaseTaskMutation } from '../gql/graphql.ts';

export type { CompleteTaskInput, FailTaskInput, HardwareInput, ProgressInput, TaskRefusalCode } from '../gql/graphql.ts';

export const REGISTER_WORKER = graphql(`
  mutation RegisterWorker($input: RegisterWorkerInput!) {
    registerWorker(input: $input) {
      __typename
      ... on MutationRegisterWorkerSuccess { data { token worker { id name owner { id } } signingKey { keyId publicKeyPem } } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on Error { message }
    }
  }
`);

export const ME = graphql(`
  query Me {
    me { id }
  }
`);

export const UPDATE_WORKER = graphql(`
  mutation UpdateWorker($input: UpdateWorkerInput!) {
    updateWorker(input: $input) {
      __typename
      ... on MutationUpdateWorkerSuccess { data { id name slots } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on Error { message }
    }
  }
`);

export const REPORT_WORKER_SPEED = graphql(`
  mutation ReportWorkerSpeed($input: WorkerSpeedInput!) {
    reportWorkerSpeed(input: $input) {
      __typename
      ... on MutationReportWorkerSpeedSuccess { data { id speed { tokensPerS flopsPerS source } } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on Error { message }
    }
  }
`);

export const LEASE_TASK = graphql(`
  mutation LeaseTask {
    leaseTask {
      __typename
      ... on MutationLeaseTaskSuccess {
        data {
          lease {
            token taskId campaignId index config seed budgetS attempt maxAttempts expiresAt
            budget { kind unit amount capS maxWallS }
            campaignOwnerId ownMachinesOnly
            script { sha256 url name sizeBytes scriptId version trust signature signingKeyId }
            dataset { sha256 url name sizeBytes }
          }
          reason
        }
      }
      ... on ValidationError { message fieldErrors { path message } }
      ... on Error { message }
    }
  }
`);

export const HEARTBEAT = graphql(`
  mutation Heartbeat($input: HeartbeatInput!) {
    heartbeat(input: $input) {
      __typename
      ... on MutationHeartbeatSuccess { data { expiresAt } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on StaleLeaseError { message reason }
      ... on Error { message }
    }
  }
`);

export const COMPLETE_TASK = graphql(`
  mutation CompleteTask($input: CompleteTaskInput!) {
    completeTask(input: $input) {
      __typename
      ... on MutationCompleteTaskSuccess { data { duplicate creditsEarned result { id accepted simulated } } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on StaleLeaseError { message reason }
      ... on PayloadTooLargeError { message limitBytes }
      ... on Error { message }
    }
  }
`);

export const FAIL_TASK = graphql(`
  mutation FailTask($input: FailTaskInput!) {
    failTask(input: $input) {
      __typename
      ... on MutationFailTaskSuccess { data { duplicate willRetry status } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on StaleLeaseError { message reason }
      ... on PayloadTooLargeError { message limitBytes }
      ... on Error { message }
    }
  }
`);

export const REFUSE_TASK = graphql(`
  mutation RefuseTask($input: RefuseTaskInput!) {
    refuseTask(input: $input) {
      __typename
      ... on MutationRefuseTaskSuccess { data { task { id status } } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on StaleLeaseError { message reason }
      ... on Error { message }
    }
  }
`);

export const RELEASE_TASK = graphql(`
  mutation ReleaseTask($input: ReleaseTaskInput!) {
    releaseTask(input: $input) {
      __typename
      ... on MutationReleaseTaskSuccess { data { task { id status } } }
      ... on ValidationError { message fieldErrors { path message } }
      ... on StaleLeaseError { message reason }
      ... on Error { message }
    }
  }
`);

/** The account's standing for the local page: its balance and its leaderboard row. */
export const VOLUNTEER_STANDING = graphql(`
  query VolunteerStanding {
    me { id name balance }
    leaderboard(first: 100, orderBy: CREDITS) { account { id } earned tasksPaid computeHours verifiedResults }
  }
`);

type LeaseTaskSuccess = Extract<LeaseTaskMutation['leaseTask'], { __typename: 'MutationLeaseTaskSuccess' }>;
/** A lease as the API hands it out; `config` is the task's JSON (checked when it is prepared). */
export type Lease = NonNullable<LeaseTaskSuccess['data']['lease']>;
export type LeasedArtifact = Lease['script'] | Lease['dataset'];
export type LeasedScript = Lease['script'];

/** Any member of a mutation's result union, as far as describing it goes. */
export interface UnionMember {
  __typename: string;
  message?: string;
  reason?: string;
  fieldErrors?: { path: string[]; message: string }[];
  limitBytes?: number;
}

type Success<T> = Extract<T, { __typename: `Mutation${string}Success` }>;

/** Narrows a mutation's result union to its success member. */
export function isSuccess<T extends { __typename: string }>(result: T): result is Success<T> {
  return result.__typename.startsWith('Mutation') && result.__typename.endsWith('Success');
}

/** "StaleLeaseError (EXPIRED): this lease expired…" */
export function describeError(result: UnionMember): string {
  const reason = result.reason ? ` (${result.reason})` : '';
  const fields = result.fieldErrors?.length ? `: ${result.fieldErrors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}` : '';
  return `${result.__typename}${reason}: ${result.message ?? 'no message'}${fields}`;
}
