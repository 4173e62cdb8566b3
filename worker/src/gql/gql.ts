/* eslint-disable */
import * as types from './graphql.ts';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation RegisterWorker($input: RegisterWorkerInput!) {\n    registerWorker(input: $input) {\n      __typename\n      ... on MutationRegisterWorkerSuccess { data { token worker { id name owner { id } } signingKey { keyId publicKeyPem } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n": typeof types.RegisterWorkerDocument,
    "\n  query Me {\n    me { id }\n  }\n": typeof types.MeDocument,
    "\n  mutation UpdateWorker($input: UpdateWorkerInput!) {\n    updateWorker(input: $input) {\n      __typename\n      ... on MutationUpdateWorkerSuccess { data { id name slots } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n": typeof types.UpdateWorkerDocument,
    "\n  mutation ReportWorkerSpeed($input: WorkerSpeedInput!) {\n    reportWorkerSpeed(input: $input) {\n      __typename\n      ... on MutationReportWorkerSpeedSuccess { data { id speed { tokensPerS flopsPerS source } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n": typeof types.ReportWorkerSpeedDocument,
    "\n  mutation LeaseTask {\n    leaseTask {\n      __typename\n      ... on MutationLeaseTaskSuccess {\n        data {\n          lease {\n            token taskId campaignId index config seed budgetS attempt maxAttempts expiresAt\n            budget { kind unit amount capS maxWallS }\n            campaignOwnerId ownMachinesOnly\n            script { sha256 url name sizeBytes scriptId version trust signature signingKeyId }\n            dataset { sha256 url name sizeBytes }\n          }\n          reason\n        }\n      }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n": typeof types.LeaseTaskDocument,
    "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on MutationHeartbeatSuccess { data { expiresAt } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on Error { message }\n    }\n  }\n": typeof types.HeartbeatDocument,
    "\n  mutation CompleteTask($input: CompleteTaskInput!) {\n    completeTask(input: $input) {\n      __typename\n      ... on MutationCompleteTaskSuccess { data { duplicate creditsEarned result { id accepted simulated } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on PayloadTooLargeError { message limitBytes }\n      ... on Error { message }\n    }\n  }\n": typeof types.CompleteTaskDocument,
    "\n  mutation FailTask($input: FailTaskInput!) {\n    failTask(input: $input) {\n      __typename\n      ... on MutationFailTaskSuccess { data { duplicate willRetry status } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on PayloadTooLargeError { message limitBytes }\n      ... on Error { message }\n    }\n  }\n": typeof types.FailTaskDocument,
    "\n  mutation RefuseTask($input: RefuseTaskInput!) {\n    refuseTask(input: $input) {\n      __typename\n      ... on MutationRefuseTaskSuccess { data { task { id status } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on Error { message }\n    }\n  }\n": typeof types.RefuseTaskDocument,
    "\n  mutation ReleaseTask($input: ReleaseTaskInput!) {\n    releaseTask(input: $input) {\n      __typename\n      ... on MutationReleaseTaskSuccess { data { task { id status } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on Error { message }\n    }\n  }\n": typeof types.ReleaseTaskDocument,
    "\n  query VolunteerStanding {\n    me { id name balance }\n    leaderboard(first: 100, orderBy: CREDITS) { account { id } earned tasksPaid computeHours verifiedResults }\n  }\n": typeof types.VolunteerStandingDocument,
};
const documents: Documents = {
    "\n  mutation RegisterWorker($input: RegisterWorkerInput!) {\n    registerWorker(input: $input) {\n      __typename\n      ... on MutationRegisterWorkerSuccess { data { token worker { id name owner { id } } signingKey { keyId publicKeyPem } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n": types.RegisterWorkerDocument,
    "\n  query Me {\n    me { id }\n  }\n": types.MeDocument,
    "\n  mutation UpdateWorker($input: UpdateWorkerInput!) {\n    updateWorker(input: $input) {\n      __typename\n      ... on MutationUpdateWorkerSuccess { data { id name slots } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n": types.UpdateWorkerDocument,
    "\n  mutation ReportWorkerSpeed($input: WorkerSpeedInput!) {\n    reportWorkerSpeed(input: $input) {\n      __typename\n      ... on MutationReportWorkerSpeedSuccess { data { id speed { tokensPerS flopsPerS source } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n": types.ReportWorkerSpeedDocument,
    "\n  mutation LeaseTask {\n    leaseTask {\n      __typename\n      ... on MutationLeaseTaskSuccess {\n        data {\n          lease {\n            token taskId campaignId index config seed budgetS attempt maxAttempts expiresAt\n            budget { kind unit amount capS maxWallS }\n            campaignOwnerId ownMachinesOnly\n            script { sha256 url name sizeBytes scriptId version trust signature signingKeyId }\n            dataset { sha256 url name sizeBytes }\n          }\n          reason\n        }\n      }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n": types.LeaseTaskDocument,
    "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on MutationHeartbeatSuccess { data { expiresAt } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on Error { message }\n    }\n  }\n": types.HeartbeatDocument,
    "\n  mutation CompleteTask($input: CompleteTaskInput!) {\n    completeTask(input: $input) {\n      __typename\n      ... on MutationCompleteTaskSuccess { data { duplicate creditsEarned result { id accepted simulated } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on PayloadTooLargeError { message limitBytes }\n      ... on Error { message }\n    }\n  }\n": types.CompleteTaskDocument,
    "\n  mutation FailTask($input: FailTaskInput!) {\n    failTask(input: $input) {\n      __typename\n      ... on MutationFailTaskSuccess { data { duplicate willRetry status } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on PayloadTooLargeError { message limitBytes }\n      ... on Error { message }\n    }\n  }\n": types.FailTaskDocument,
    "\n  mutation RefuseTask($input: RefuseTaskInput!) {\n    refuseTask(input: $input) {\n      __typename\n      ... on MutationRefuseTaskSuccess { data { task { id status } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on Error { message }\n    }\n  }\n": types.RefuseTaskDocument,
    "\n  mutation ReleaseTask($input: ReleaseTaskInput!) {\n    releaseTask(input: $input) {\n      __typename\n      ... on MutationReleaseTaskSuccess { data { task { id status } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on Error { message }\n    }\n  }\n": types.ReleaseTaskDocument,
    "\n  query VolunteerStanding {\n    me { id name balance }\n    leaderboard(first: 100, orderBy: CREDITS) { account { id } earned tasksPaid computeHours verifiedResults }\n  }\n": types.VolunteerStandingDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterWorker($input: RegisterWorkerInput!) {\n    registerWorker(input: $input) {\n      __typename\n      ... on MutationRegisterWorkerSuccess { data { token worker { id name owner { id } } signingKey { keyId publicKeyPem } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n"): typeof import('./graphql.ts').RegisterWorkerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me { id }\n  }\n"): typeof import('./graphql.ts').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateWorker($input: UpdateWorkerInput!) {\n    updateWorker(input: $input) {\n      __typename\n      ... on MutationUpdateWorkerSuccess { data { id name slots } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n"): typeof import('./graphql.ts').UpdateWorkerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportWorkerSpeed($input: WorkerSpeedInput!) {\n    reportWorkerSpeed(input: $input) {\n      __typename\n      ... on MutationReportWorkerSpeedSuccess { data { id speed { tokensPerS flopsPerS source } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n"): typeof import('./graphql.ts').ReportWorkerSpeedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LeaseTask {\n    leaseTask {\n      __typename\n      ... on MutationLeaseTaskSuccess {\n        data {\n          lease {\n            token taskId campaignId index config seed budgetS attempt maxAttempts expiresAt\n            budget { kind unit amount capS maxWallS }\n            campaignOwnerId ownMachinesOnly\n            script { sha256 url name sizeBytes scriptId version trust signature signingKeyId }\n            dataset { sha256 url name sizeBytes }\n          }\n          reason\n        }\n      }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on Error { message }\n    }\n  }\n"): typeof import('./graphql.ts').LeaseTaskDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Heartbeat($input: HeartbeatInput!) {\n    heartbeat(input: $input) {\n      __typename\n      ... on MutationHeartbeatSuccess { data { expiresAt } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on Error { message }\n    }\n  }\n"): typeof import('./graphql.ts').HeartbeatDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteTask($input: CompleteTaskInput!) {\n    completeTask(input: $input) {\n      __typename\n      ... on MutationCompleteTaskSuccess { data { duplicate creditsEarned result { id accepted simulated } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on PayloadTooLargeError { message limitBytes }\n      ... on Error { message }\n    }\n  }\n"): typeof import('./graphql.ts').CompleteTaskDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FailTask($input: FailTaskInput!) {\n    failTask(input: $input) {\n      __typename\n      ... on MutationFailTaskSuccess { data { duplicate willRetry status } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on PayloadTooLargeError { message limitBytes }\n      ... on Error { message }\n    }\n  }\n"): typeof import('./graphql.ts').FailTaskDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefuseTask($input: RefuseTaskInput!) {\n    refuseTask(input: $input) {\n      __typename\n      ... on MutationRefuseTaskSuccess { data { task { id status } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on Error { message }\n    }\n  }\n"): typeof import('./graphql.ts').RefuseTaskDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReleaseTask($input: ReleaseTaskInput!) {\n    releaseTask(input: $input) {\n      __typename\n      ... on MutationReleaseTaskSuccess { data { task { id status } } }\n      ... on ValidationError { message fieldErrors { path message } }\n      ... on StaleLeaseError { message reason }\n      ... on Error { message }\n    }\n  }\n"): typeof import('./graphql.ts').ReleaseTaskDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VolunteerStanding {\n    me { id name balance }\n    leaderboard(first: 100, orderBy: CREDITS) { account { id } earned tasksPaid computeHours verifiedResults }\n  }\n"): typeof import('./graphql.ts').VolunteerStandingDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
