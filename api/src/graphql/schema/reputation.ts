// Worker reputation and the admin's levers (trust, reinstate), and an account's pending versus
// granted credits.
import { NotFoundError } from '../../errors.ts';
import type { Reputation } from '../../modules/verification/reputation.service.ts';
import { builder } from '../builder.ts';
import { decodeId } from '../global-id.ts';
import { AccountRef } from './account.ts';
import { AUTH_ERRORS } from './errors.ts';
import { WorkerRef } from './worker.ts';

const ReputationRef = builder.objectRef<Reputation>('WorkerReputation').implement({
  description: 'How far results from this worker are trusted (BOINC-style adaptive replication).',
  fields: (t) => ({
    consecutiveValid: t.exposeInt('consecutiveValid', {
      description: 'Valid results in a row since the last invalid one; below XEENET_TRUST_AFTER_VALID (10) every result is replicated.',
    }),
    validTotal: t.exposeInt('validTotal', { description: 'Valid results ever.' }),
    strikes: t.exposeInt('strikes', { description: 'Invalid results since the last reinstatement; at XEENET_MAX_STRIKES (3) the worker and its owner are excluded. Crashes and timeouts are not strikes.' }),
    dailyQuota: t.exposeInt('dailyQuota', { description: 'Tasks it may lease per UTC day; doubles with each valid result, halves with each invalid one.' }),
    leasedToday: t.exposeInt('leasedToday', { description: 'Tasks leased today (UTC) against the quota.' }),
    established: t.exposeBoolean('established', {
      description: 'Trusted, or enough consecutive valid results: its results are spot-checked with probability 1/CV and it may validate unproven workers.',
    }),
    trusted: t.exposeBoolean('trusted', { description: 'Marked trusted by an admin.' }),
    excluded: t.exposeBoolean('excluded', { description: 'Its owner is excluded from leasing (strikes); an admin can reinstate.' }),
    excludedReason: t.string({ nullable: true, description: 'Why the owner was excluded.', resolve: (r) => r.excludedReason }),
  }),
});

builder.objectFields(WorkerRef, (t) => ({
  reputation: t.field({
    type: ReputationRef,
    description: 'Consecutive valid results, strikes, quota, exclusion and trust.',
    resolve: (worker, _args, ctx) => ctx.services.reputation.of(ctx.viewer, worker),
  }),
}));

const CreditsRef = builder.objectRef<{ pending: number; granted: number }>('AccountCredits').implement({
  description: 'Credits for this account’s workers’ results: earned once valid (granted) or still awaiting verification (pending).',
  fields: (t) => ({
    pending: t.exposeFloat('pending', { description: 'Rewards of results awaiting verification: paid only if they are found valid.' }),
    granted: t.exposeFloat('granted', { description: 'Rewards paid for accepted results (clawed-back ones excluded).' }),
  }),
});

builder.objectFields(AccountRef, (t) => ({
  credits: t.field({
    type: CreditsRef,
    nullable: true,
    description: 'Pending versus granted credits of this account’s workers; visible to the account itself and admins.',
    resolve: (account, _args, ctx) => ctx.services.ledger.credits(ctx.viewer, account.id),
  }),
}));

builder.mutationFields((t) => ({
  setWorkerTrusted: t.field({
    type: WorkerRef,
    description: 'Admin: marks a worker trusted (its results are spot-checked, not all replicated, and it may validate unproven workers) or not.',
    args: {
      workerId: t.arg.id({ required: true, description: 'The worker’s global id.' }),
      trusted: t.arg.boolean({ required: true, description: 'True to trust it, false to withdraw trust.' }),
    },
    errors: { types: [...AUTH_ERRORS, NotFoundError], dataField: { description: 'The worker, back in good standing.' } },
    resolve: (_root, args, ctx) => ctx.services.reputation.setTrusted(ctx.viewer, decodeId(String(args.workerId), 'Worker'), args.trusted),
  }),
  reinstateWorker: t.field({
    type: WorkerRef,
    description: 'Admin: clears a worker’s strikes and lifts its owner’s exclusion from leasing.',
    args: { workerId: t.arg.id({ required: true, description: 'The worker’s global id.' }) },
    errors: { types: [...AUTH_ERRORS, NotFoundError], dataField: { description: 'The worker with its new trust.' } },
    resolve: (_root, args, ctx) => ctx.services.reputation.reinstate(ctx.viewer, decodeId(String(args.workerId), 'Worker')),
  }),
}));
