/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CompleteTaskInput = {
  leaseToken: string;
  result: ResultInput;
  taskId: string | number;
};

export type FailTaskInput = {
  leaseToken: string;
  reason: string;
  /** False when running it again cannot help (e.g. the script rejected its config). */
  retryable?: boolean | null | undefined;
  stderrTail?: string | null | undefined;
  stdoutTail?: string | null | undefined;
  taskId: string | number;
};

export type HardwareInput = {
  cores?: number | null | undefined;
  cpu?: string | null | undefined;
  device?: string | null | undefined;
  gpu?: string | null | undefined;
  gpuMemoryMb?: number | null | undefined;
  platform?: string | null | undefined;
  pythonVersion?: string | null | undefined;
  ramMb?: number | null | undefined;
  torchVersion?: string | null | undefined;
};

export type HeartbeatInput = {
  leaseToken: string;
  progress?: ProgressInput | null | undefined;
  taskId: string | number;
};

export type LeaseRejection =
  /** The campaign was cancelled: stop working on the task. */
  | 'CANCELLED'
  /** The lease ran out and the task was requeued or leased again. */
  | 'EXPIRED'
  /** The task already succeeded or failed. */
  | 'FINISHED'
  /** The lease belongs to another worker. */
  | 'NOT_HOLDER'
  /** The lease was released or reported as failed. */
  | 'RELEASED';

export type ProgressInput = {
  elapsedS?: number | null | undefined;
  message?: string | null | undefined;
  step?: number | null | undefined;
  trainLoss?: number | null | undefined;
};

export type RegisterWorkerInput = {
  hardware: HardwareInput;
  name: string;
  simulated?: boolean | null | undefined;
  slots?: number | null | undefined;
};

export type ReleaseTaskInput = {
  leaseToken: string;
  taskId: string | number;
};

/** The final metrics line. Fields are nullable so that a missing or non-finite value is a typed ValidationError. */
export type ResultInput = {
  /** The whole final JSON line (at most 64 KiB). */
  metrics?: unknown;
  simulated?: boolean | null | undefined;
  /** At most 16 KiB. */
  stdoutTail?: string | null | undefined;
  steps?: number | null | undefined;
  trainLoss?: number | null | undefined;
  valBpb?: number | null | undefined;
  wallS?: number | null | undefined;
};

export type TaskStatus =
  | 'CANCELLED'
  | 'FAILED'
  | 'LEASED'
  | 'QUEUED'
  | 'SUCCEEDED';

export type UpdateWorkerInput = {
  hardware: HardwareInput;
  name: string;
  slots?: number | null | undefined;
};

export type RegisterWorkerMutationVariables = Exact<{
  input: RegisterWorkerInput;
}>;


export type RegisterWorkerMutation = { registerWorker:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationRegisterWorkerSuccess', data: { token: string, worker: { id: string, name: string } } }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type UpdateWorkerMutationVariables = Exact<{
  input: UpdateWorkerInput;
}>;


export type UpdateWorkerMutation = { updateWorker:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationUpdateWorkerSuccess', data: { id: string, name: string, slots: number } }
    | { __typename: 'UnauthenticatedError', message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type LeaseTaskMutationVariables = Exact<{ [key: string]: never; }>;


export type LeaseTaskMutation = { leaseTask:
    | { __typename: 'ExcludedError', message: string }
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationLeaseTaskSuccess', data: { lease: { token: string, taskId: string, campaignId: string, index: number, config: unknown, seed: number, budgetS: number, attempt: number, maxAttempts: number, expiresAt: string, script: { sha256: string, url: string, name: string, sizeBytes: number }, dataset: { sha256: string, url: string, name: string, sizeBytes: number } } | null } }
    | { __typename: 'QuotaExceededError', message: string }
    | { __typename: 'UnauthenticatedError', message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type HeartbeatMutationVariables = Exact<{
  input: HeartbeatInput;
}>;


export type HeartbeatMutation = { heartbeat:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationHeartbeatSuccess', data: { expiresAt: string } }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'StaleLeaseError', message: string, reason: LeaseRejection }
    | { __typename: 'UnauthenticatedError', message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type CompleteTaskMutationVariables = Exact<{
  input: CompleteTaskInput;
}>;


export type CompleteTaskMutation = { completeTask:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationCompleteTaskSuccess', data: { duplicate: boolean, creditsEarned: number, result: { id: string, accepted: boolean, simulated: boolean } } }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'PayloadTooLargeError', message: string, limitBytes: number }
    | { __typename: 'StaleLeaseError', message: string, reason: LeaseRejection }
    | { __typename: 'UnauthenticatedError', message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type FailTaskMutationVariables = Exact<{
  input: FailTaskInput;
}>;


export type FailTaskMutation = { failTask:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationFailTaskSuccess', data: { duplicate: boolean, willRetry: boolean, status: TaskStatus } }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'PayloadTooLargeError', message: string, limitBytes: number }
    | { __typename: 'StaleLeaseError', message: string, reason: LeaseRejection }
    | { __typename: 'UnauthenticatedError', message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type ReleaseTaskMutationVariables = Exact<{
  input: ReleaseTaskInput;
}>;


export type ReleaseTaskMutation = { releaseTask:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationReleaseTaskSuccess', data: { task: { id: string, status: TaskStatus } } }
    | { __typename: 'NotFoundError', message: string }
    | { __typename: 'StaleLeaseError', message: string, reason: LeaseRejection }
    | { __typename: 'UnauthenticatedError', message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const RegisterWorkerDocument = new TypedDocumentString(`
    mutation RegisterWorker($input: RegisterWorkerInput!) {
  registerWorker(input: $input) {
    __typename
    ... on MutationRegisterWorkerSuccess {
      data {
        token
        worker {
          id
          name
        }
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<RegisterWorkerMutation, RegisterWorkerMutationVariables>;
export const UpdateWorkerDocument = new TypedDocumentString(`
    mutation UpdateWorker($input: UpdateWorkerInput!) {
  updateWorker(input: $input) {
    __typename
    ... on MutationUpdateWorkerSuccess {
      data {
        id
        name
        slots
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<UpdateWorkerMutation, UpdateWorkerMutationVariables>;
export const LeaseTaskDocument = new TypedDocumentString(`
    mutation LeaseTask {
  leaseTask {
    __typename
    ... on MutationLeaseTaskSuccess {
      data {
        lease {
          token
          taskId
          campaignId
          index
          config
          seed
          budgetS
          attempt
          maxAttempts
          expiresAt
          script {
            sha256
            url
            name
            sizeBytes
          }
          dataset {
            sha256
            url
            name
            sizeBytes
          }
        }
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
      }
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<LeaseTaskMutation, LeaseTaskMutationVariables>;
export const HeartbeatDocument = new TypedDocumentString(`
    mutation Heartbeat($input: HeartbeatInput!) {
  heartbeat(input: $input) {
    __typename
    ... on MutationHeartbeatSuccess {
      data {
        expiresAt
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
      }
    }
    ... on StaleLeaseError {
      message
      reason
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<HeartbeatMutation, HeartbeatMutationVariables>;
export const CompleteTaskDocument = new TypedDocumentString(`
    mutation CompleteTask($input: CompleteTaskInput!) {
  completeTask(input: $input) {
    __typename
    ... on MutationCompleteTaskSuccess {
      data {
        duplicate
        creditsEarned
        result {
          id
          accepted
          simulated
        }
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
      }
    }
    ... on StaleLeaseError {
      message
      reason
    }
    ... on PayloadTooLargeError {
      message
      limitBytes
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<CompleteTaskMutation, CompleteTaskMutationVariables>;
export const FailTaskDocument = new TypedDocumentString(`
    mutation FailTask($input: FailTaskInput!) {
  failTask(input: $input) {
    __typename
    ... on MutationFailTaskSuccess {
      data {
        duplicate
        willRetry
        status
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
      }
    }
    ... on StaleLeaseError {
      message
      reason
    }
    ... on PayloadTooLargeError {
      message
      limitBytes
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<FailTaskMutation, FailTaskMutationVariables>;
export const ReleaseTaskDocument = new TypedDocumentString(`
    mutation ReleaseTask($input: ReleaseTaskInput!) {
  releaseTask(input: $input) {
    __typename
    ... on MutationReleaseTaskSuccess {
      data {
        task {
          id
          status
        }
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
      }
    }
    ... on StaleLeaseError {
      message
      reason
    }
    ... on Error {
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ReleaseTaskMutation, ReleaseTaskMutationVariables>;