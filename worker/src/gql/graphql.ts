/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** How a task’s budget is measured. */
export type BudgetKind =
  /** A fixed amount of work (training tokens or FLOPs): the same steps and the same result on every machine of a class. */
  | 'COMPUTE'
  /** Seconds of training on the worker’s clock; results compare only within one hardware class. */
  | 'WALL';

/** The final report of a successful run. */
export type CompleteTaskInput = {
  /** The token from the lease. */
  leaseToken: string;
  /** The metrics the script printed. */
  result: ResultInput;
  /** Global id of the leased task. */
  taskId: string | number;
};

/** What a compute budget counts; each training script declares one in its manifest. */
export type ComputeUnit =
  /** Training FLOPs as the script counts them per token. Passed as budget_flops. */
  | 'FLOPS'
  /** Training tokens (predictions): steps = floor(amount / (batch_size × block_size)). Passed as budget_tokens. */
  | 'TOKENS';

/** Why leaseTask handed out no task. */
export type EmptyLeaseReason =
  /** Queued tasks exist only for another hardware class (wall budgets on GPU or CPU). */
  | 'OTHER_HARDWARE'
  /** No queued task this worker may take. */
  | 'QUEUE_EMPTY'
  /** This API replica is shutting down: ask again (another replica answers). */
  | 'SHUTTING_DOWN'
  /** Queued compute tasks exist, but at this worker’s measured speed none would finish within its wall-clock cap. */
  | 'TOO_SLOW';

/** The report of a failed run. */
export type FailTaskInput = {
  /** The token from the lease. */
  leaseToken: string;
  /** Why it failed, e.g. the script’s error kind and message (at most 2 KiB). */
  reason: string;
  /** False when running it again cannot help (e.g. the script rejected its config). */
  retryable?: boolean | null | undefined;
  /** The end of the script’s stderr (at most 16 KiB). */
  stderrTail?: string | null | undefined;
  /** The end of the script’s stdout (at most 16 KiB). */
  stdoutTail?: string | null | undefined;
  /** Global id of the leased task. */
  taskId: string | number;
};

/** What the worker found on its machine. */
export type HardwareInput = {
  /** Logical CPU cores. */
  cores?: number | null | undefined;
  /** CPU model name. */
  cpu?: string | null | undefined;
  /** Torch device tasks run on (cpu, cuda, mps). */
  device?: string | null | undefined;
  /** GPU model, when there is one. */
  gpu?: string | null | undefined;
  /** GPU memory in MiB. */
  gpuMemoryMb?: number | null | undefined;
  /** Operating system and architecture (e.g. linux-x64). */
  platform?: string | null | undefined;
  /** Python version. */
  pythonVersion?: string | null | undefined;
  /** Memory in MiB. */
  ramMb?: number | null | undefined;
  /** PyTorch version. */
  torchVersion?: string | null | undefined;
};

/** Proof that the lease holder is alive, with its latest progress. */
export type HeartbeatInput = {
  /** The token from the lease. */
  leaseToken: string;
  /** The latest progress, when the script reported any. */
  progress?: ProgressInput | null | undefined;
  /** Global id of the leased task. */
  taskId: string | number;
};

/** Why a lease token no longer holds its task. */
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

/** Live progress of a training run, from the script’s progress lines. */
export type ProgressInput = {
  /** Seconds since training started. */
  elapsedS?: number | null | undefined;
  /** A short status line (at most 2 KiB). */
  message?: string | null | undefined;
  /** Training steps done so far. */
  step?: number | null | undefined;
  /** The latest training loss. */
  trainLoss?: number | null | undefined;
};

/** A lease the worker will not run, with a typed reason. */
export type RefuseTaskInput = {
  /** Why, as a code. */
  code: TaskRefusalCode;
  /** The lease’s token. */
  leaseToken: string;
  /** Why, in a sentence (at most 2,000 characters). */
  reason: string;
  /** The leased task. */
  taskId: string | number;
};

/** A machine joining the grid. */
export type RegisterWorkerInput = {
  /** What the worker found on its machine. */
  hardware: HardwareInput;
  /** The machine’s name (1 to 200 characters). */
  name: string;
  /** Run in --simulate mode: results are marked simulated and earn nothing. */
  simulated?: boolean | null | undefined;
  /** Tasks it trains at once (1 to 64). */
  slots?: number | null | undefined;
};

/** A lease handed back unfinished. */
export type ReleaseTaskInput = {
  /** The token from the lease. */
  leaseToken: string;
  /** Global id of the leased task. */
  taskId: string | number;
};

/** The final metrics line. Fields are nullable so that a missing or non-finite value is a typed ValidationError. */
export type ResultInput = {
  /** The whole final JSON line (at most 64 KiB). */
  metrics?: unknown;
  /** True when a --simulate worker produced it. */
  simulated?: boolean | null | undefined;
  /** At most 16 KiB. */
  stdoutTail?: string | null | undefined;
  /** Optimizer steps trained. */
  steps?: number | null | undefined;
  /** Final training loss; finite. */
  trainLoss?: number | null | undefined;
  /** Validation bits per byte (lower is better); finite and non-negative. */
  valBpb?: number | null | undefined;
  /** Seconds the run took. */
  wallS?: number | null | undefined;
};

/** What the platform vouches for about a script; workers decide what to run from it (and the signature). */
export type ScriptTrust =
  /** Shipped with the platform (training-scripts/); signed at every start. */
  | 'BUILTIN'
  /** Not reviewed (pending or rejected): unsigned, leased only to workers of the campaign owner’s own account. */
  | 'OWN'
  /** A researcher’s script that a reviewer approved; signed at approval. */
  | 'REVIEWED';

/** Where a worker’s measured speed comes from. */
export type SpeedSource =
  /** A short training-shaped benchmark the worker runs at start (a few seconds). */
  | 'CALIBRATION'
  /** The throughput of its recent real tasks (tokens_per_s, model_flops_per_s of their results). */
  | 'TASKS';

/** Why a worker would not run a leased task. None of them counts as an attempt. */
export type TaskRefusalCode =
  /** The signature does not verify under the pinned platform key for these bytes and identity. */
  | 'BAD_SIGNATURE'
  /** An OWN (unreviewed) script of a campaign whose owner is not this worker’s account. */
  | 'NOT_OWN'
  /** The machine has no sandbox and its volunteer allows only built-in scripts unsandboxed. */
  | 'NO_SANDBOX'
  /** The volunteer’s preferences exclude this kind of script. */
  | 'PREFERENCES'
  /** The lease names a signing key other than the one the worker pinned at registration. */
  | 'UNKNOWN_KEY'
  /** The script is not OWN but the lease carries no signature. */
  | 'UNSIGNED';

/** Where a task is in its lifecycle (see api/src/modules/tasks/lease-state.ts). */
export type TaskStatus =
  /** Its campaign was cancelled before it finished. */
  | 'CANCELLED'
  /** Every attempt failed; it will not be leased again. */
  | 'FAILED'
  /** A worker holds a lease and is training it; the lease expires without heartbeats. */
  | 'LEASED'
  /** Waiting for a worker to lease it. */
  | 'QUEUED'
  /** A result was accepted. */
  | 'SUCCEEDED';

/** The calling machine’s refreshed profile. */
export type UpdateWorkerInput = {
  /** What the worker found on its machine. */
  hardware: HardwareInput;
  /** The machine’s name. */
  name: string;
  /** Tasks it trains at once. */
  slots?: number | null | undefined;
};

/** A measured training speed. Give the units measured; one left out keeps its last value. */
export type WorkerSpeedInput = {
  /** Training FLOPs per second, counted as the training scripts count them (6 × matmul weights + attention). */
  flopsPerS?: number | null | undefined;
  /** CALIBRATION at start, TASKS from real results. */
  source: SpeedSource;
  /** Training tokens per second (positive, finite). */
  tokensPerS?: number | null | undefined;
};

export type RegisterWorkerMutationVariables = Exact<{
  input: RegisterWorkerInput;
}>;


export type RegisterWorkerMutation = { registerWorker:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationRegisterWorkerSuccess', data: { token: string, worker: { id: string, name: string, owner: { id: string } }, signingKey: { keyId: string, publicKeyPem: string } } }
    | { __typename: 'RateLimitedError', message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string } | null };

export type UpdateWorkerMutationVariables = Exact<{
  input: UpdateWorkerInput;
}>;


export type UpdateWorkerMutation = { updateWorker:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationUpdateWorkerSuccess', data: { id: string, name: string, slots: number } }
    | { __typename: 'UnauthenticatedError', message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type ReportWorkerSpeedMutationVariables = Exact<{
  input: WorkerSpeedInput;
}>;


export type ReportWorkerSpeedMutation = { reportWorkerSpeed:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationReportWorkerSpeedSuccess', data: { id: string, speed: { tokensPerS: number | null, flopsPerS: number | null, source: SpeedSource | null } } }
    | { __typename: 'UnauthenticatedError', message: string }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string }> }
   };

export type LeaseTaskMutationVariables = Exact<{ [key: string]: never; }>;


export type LeaseTaskMutation = { leaseTask:
    | { __typename: 'ExcludedError', message: string }
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationLeaseTaskSuccess', data: { reason: EmptyLeaseReason | null, lease: { token: string, taskId: string, campaignId: string, index: number, config: unknown, seed: number, budgetS: number, attempt: number, maxAttempts: number, expiresAt: string, campaignOwnerId: string, ownMachinesOnly: boolean, budget: { kind: BudgetKind, unit: ComputeUnit | null, amount: number | null, capS: number, maxWallS: number }, script: { sha256: string, url: string, name: string, sizeBytes: number, scriptId: string, version: number, trust: ScriptTrust, signature: string | null, signingKeyId: string | null }, dataset: { sha256: string, url: string, name: string, sizeBytes: number } } | null } }
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

export type RefuseTaskMutationVariables = Exact<{
  input: RefuseTaskInput;
}>;


export type RefuseTaskMutation = { refuseTask:
    | { __typename: 'ForbiddenError', message: string }
    | { __typename: 'MutationRefuseTaskSuccess', data: { task: { id: string, status: TaskStatus } } }
    | { __typename: 'NotFoundError', message: string }
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

export type VolunteerStandingQueryVariables = Exact<{ [key: string]: never; }>;


export type VolunteerStandingQuery = { me: { id: string, name: string, balance: number | null } | null, leaderboard: Array<{ earned: number, tasksPaid: number, computeHours: number, verifiedResults: number, account: { id: string } }> };

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
          owner {
            id
          }
        }
        signingKey {
          keyId
          publicKeyPem
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
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
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
export const ReportWorkerSpeedDocument = new TypedDocumentString(`
    mutation ReportWorkerSpeed($input: WorkerSpeedInput!) {
  reportWorkerSpeed(input: $input) {
    __typename
    ... on MutationReportWorkerSpeedSuccess {
      data {
        id
        speed {
          tokensPerS
          flopsPerS
          source
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
    `) as unknown as TypedDocumentString<ReportWorkerSpeedMutation, ReportWorkerSpeedMutationVariables>;
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
          budget {
            kind
            unit
            amount
            capS
            maxWallS
          }
          campaignOwnerId
          ownMachinesOnly
          script {
            sha256
            url
            name
            sizeBytes
            scriptId
            version
            trust
            signature
            signingKeyId
          }
          dataset {
            sha256
            url
            name
            sizeBytes
          }
        }
        reason
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
export const RefuseTaskDocument = new TypedDocumentString(`
    mutation RefuseTask($input: RefuseTaskInput!) {
  refuseTask(input: $input) {
    __typename
    ... on MutationRefuseTaskSuccess {
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
    `) as unknown as TypedDocumentString<RefuseTaskMutation, RefuseTaskMutationVariables>;
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
export const VolunteerStandingDocument = new TypedDocumentString(`
    query VolunteerStanding {
  me {
    id
    name
    balance
  }
  leaderboard(first: 100, orderBy: CREDITS) {
    account {
      id
    }
    earned
    tasksPaid
    computeHours
    verifiedResults
  }
}
    `) as unknown as TypedDocumentString<VolunteerStandingQuery, VolunteerStandingQueryVariables>;