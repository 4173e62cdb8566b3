export { Account } from './account.entity.ts';
export { ApiToken } from './api-token.entity.ts';
export { Artifact } from './artifact.entity.ts';
export { ArtifactUpload } from './artifact-upload.entity.ts';
export { Campaign } from './campaign.entity.ts';
export { CreditAccount } from './credit-account.entity.ts';
export { LedgerEntry } from './ledger-entry.entity.ts';
export { RunResult } from './run-result.entity.ts';
export { Script } from './script.entity.ts';
export { Task } from './task.entity.ts';
export { TaskRefusal } from './task-refusal.entity.ts';
export { Worker } from './worker.entity.ts';

import { Account } from './account.entity.ts';
import { ApiToken } from './api-token.entity.ts';
import { Artifact } from './artifact.entity.ts';
import { ArtifactUpload } from './artifact-upload.entity.ts';
import { Campaign } from './campaign.entity.ts';
import { CreditAccount } from './credit-account.entity.ts';
import { LedgerEntry } from './ledger-entry.entity.ts';
import { RunResult } from './run-result.entity.ts';
import { Script } from './script.entity.ts';
import { Task } from './task.entity.ts';
import { TaskRefusal } from './task-refusal.entity.ts';
import { Worker } from './worker.entity.ts';

export const entities = [Account, ApiToken, Artifact, ArtifactUpload, Campaign, CreditAccount, LedgerEntry, RunResult, Script, Task, TaskRefusal, Worker];
