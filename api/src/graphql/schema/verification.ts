// Verification by replay in the schema: a task's verdict, its replicas and canonical result, a
// result's verdict and credit state, and the campaign figures that separate verified from pending.
import type { RunResult } from '../../db/entities/run-result.entity.ts';
import { CREDIT_STATES, type CreditState } from '../../db/entities/run-result.entity.ts';
import { type Task, VALIDATION_STATES, type ValidationState } from '../../db/entities/task.entity.ts';
import { builder } from '../builder.ts';
import { CampaignRef, CampaignStatsRef, ResultPointRef } from './campaign.ts';
import { RunResultRef } from './run-result.ts';
import { TaskRef } from './task.ts';

const VALIDATION_DESCRIPTIONS: Record<ValidationState, string> = {
  pending: 'Awaiting independent replays of the same config, seed and step count; not in statistics or "best" yet.',
  valid: 'Independent replays agreed within the tolerance for their hardware classes (or, for a trusted worker, accepted and open to spot checks).',
  invalid: 'Outvoted by the majority of replays: earns nothing, counts as a strike against its worker.',
  inconclusive: 'No majority could be reached (or the campaign ended first): earns nothing, no strike, not in statistics.',
};

export const ValidationStateEnum = builder.enumType('ValidationState', {
  description: 'What a result is worth once independent workers replayed it (BOINC quorum).',
  values: Object.fromEntries(VALIDATION_STATES.map((state) => [state.toUpperCase(), { value: state, description: VALIDATION_DESCRIPTIONS[state] }])) as Record<
    Uppercase<ValidationState>,
    { value: ValidationState; description: string }
  >,
});

const CREDIT_DESCRIPTIONS: Record<CreditState, string> = {
  pending: 'Reserved in the campaign’s escrow, paid once the result is valid.',
  granted: 'Paid to the worker’s owner.',
  none: 'Earns nothing (simulated, invalid or inconclusive).',
  clawed_back: 'Was paid, then taken back when a spot check found the result invalid.',
};

export const CreditStateEnum = builder.enumType('CreditState', {
  description: 'Where a result’s credits stand.',
  values: Object.fromEntries(CREDIT_STATES.map((state) => [state.toUpperCase(), { value: state, description: CREDIT_DESCRIPTIONS[state] }])) as Record<
    Uppercase<CreditState>,
    { value: CreditState; description: string }
  >,
});

builder.objectFields(TaskRef, (t) => ({
  validation: t.field({
    type: ValidationStateEnum,
    nullable: true,
    description: 'The verdict over this task’s runs (its result and its replicas’); null while it has no result, or with verification off.',
    resolve: (task: Task) => task.validation ?? null,
  }),
  replicaOf: t.field({
    type: TaskRef,
    nullable: true,
    description: 'For a replica (a verification run): the task whose result it replays.',
    resolve: (task, _args, ctx) => (task.replicaOf ? ctx.services.tasks.find(ctx.viewer, task.replicaOf.id) : null),
  }),
  replicas: t.field({
    type: [TaskRef],
    description: 'Verification runs of this task on independent workers, oldest first.',
    complexity: 5,
    resolve: (task, _args, ctx) => ctx.services.tasks.replicas(task),
  }),
  canonicalResult: t.field({
    type: RunResultRef,
    nullable: true,
    description: 'The result statistics, charts and "best" use: the majority’s once valid (null while pending, inconclusive, or without a result).',
    resolve: (task, _args, ctx) => ctx.services.tasks.canonicalResult(task),
  }),
}));

builder.objectFields(RunResultRef, (t) => ({
  validation: t.field({
    type: ValidationStateEnum,
    nullable: true,
    description: 'This result’s verdict; null for failed attempts, simulated results, or with verification off.',
    resolve: (result: RunResult) => result.validation ?? null,
  }),
  creditState: t.field({
    type: CreditStateEnum,
    nullable: true,
    description: 'Whether its credits are pending, granted, none or clawed back; null for failed attempts.',
    resolve: (result) => result.creditState ?? null,
  }),
}));

builder.objectFields(CampaignStatsRef, (t) => ({
  pendingVerification: t.exposeInt('pendingVerification', { description: 'Succeeded tasks whose result awaits independent replays.' }),
  verified: t.exposeInt('verified', { description: 'Succeeded tasks with a valid result.' }),
  inconclusive: t.exposeInt('inconclusive', { description: 'Succeeded tasks whose replays reached no majority (not in the figures).' }),
  replicas: t.exposeInt('replicas', { description: 'Verification runs (replica tasks) created for this campaign.' }),
  replicasLive: t.exposeInt('replicasLive', { description: 'Verification runs still queued or leased.' }),
  pendingBestValBpb: t.exposeFloat('pendingBestValBpb', {
    nullable: true,
    description: 'A val_bpb below bestValBpb that still awaits verification (a pending best, not yet counted); null when there is none.',
  }),
}));

builder.objectFields(ResultPointRef, (t) => ({
  validation: t.field({
    type: ValidationStateEnum,
    nullable: true,
    description: 'VALID or PENDING (pending points are marked, invalid and inconclusive ones are left out); null with verification off.',
    resolve: (point) => (point.validation as ValidationState | null) ?? null,
  }),
}));

builder.objectFields(CampaignRef, (t) => ({
  pendingBestTask: t.field({
    type: TaskRef,
    nullable: true,
    description: 'A task whose result would beat bestTask but still awaits verification (shown as pending, not as best).',
    resolve: (campaign, _args, ctx) => ctx.services.tasks.pendingBest(ctx.viewer, campaign),
  }),
  verificationReserve: t.float({
    description: 'Credits still set aside in the escrow for verification runs not created yet; they return when the campaign closes.',
    resolve: (campaign) => campaign.verificationReserve,
  }),
}));
