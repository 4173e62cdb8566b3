import type { LedgerKind } from '../../db/entities/ledger-entry.entity.ts';
import { LEDGER_KINDS } from '../../db/entities/ledger-entry.entity.ts';
import { type LeaderboardOrder, type LeaderboardRow, type LedgerRow } from '../../modules/ledger/ledger.service.ts';
import { builder } from '../builder.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { AccountRef } from './account.ts';
import { CampaignRef } from './campaign.ts';

const LedgerKindEnum = builder.enumType('LedgerKind', {
  values: Object.fromEntries(LEDGER_KINDS.map((kind) => [kind.toUpperCase(), { value: kind }])) as Record<
    Uppercase<LedgerKind>,
    { value: LedgerKind }
  >,
});

const LedgerEntryRef = builder.objectRef<LedgerRow>('LedgerEntry').implement({
  description: 'One side of a balanced ledger transaction on the caller’s wallet.',
  fields: (t) => ({
    id: t.id({ resolve: (entry) => String(entry.id) }),
    txId: t.exposeString('txId'),
    amount: t.exposeFloat('amount', { description: 'Positive when credits arrive, negative when they leave.' }),
    kind: t.field({ type: LedgerKindEnum, resolve: (entry) => entry.kind }),
    memo: t.exposeString('memo'),
    campaign: t.field({
      type: CampaignRef,
      nullable: true,
      resolve: (entry, _args, ctx) => (entry.campaignId ? ctx.services.campaigns.find(ctx.viewer, entry.campaignId) : null),
    }),
    taskId: t.id({ nullable: true, resolve: (entry) => (entry.taskId ? encodeGlobalID('Task', entry.taskId) : null) }),
    createdAt: t.field({ type: 'DateTime', resolve: (entry) => entry.createdAt }),
  }),
});

const LedgerPageRef = builder.objectRef<{ entries: LedgerRow[]; hasMore: boolean }>('LedgerPage').implement({
  fields: (t) => ({
    entries: t.field({ type: [LedgerEntryRef], resolve: (page) => page.entries }),
    hasMore: t.exposeBoolean('hasMore'),
    nextBefore: t.id({
      nullable: true,
      description: 'Pass as "before" for the next (older) page.',
      resolve: (page) => (page.hasMore ? String(page.entries.at(-1)!.id) : null),
    }),
  }),
});

const LeaderboardOrderEnum = builder.enumType('LeaderboardOrder', {
  description: 'What the leaderboard ranks volunteers by (ties go to credits, then compute hours, then the name).',
  values: {
    CREDITS: { value: 'credits', description: 'Credits earned for accepted results.' },
    COMPUTE_HOURS: { value: 'computeHours', description: 'Hours of run time of accepted real results, each counted up to its task’s budget.' },
    VERIFIED_RESULTS: {
      value: 'verifiedResults',
      description: 'Accepted real results. Until results are verified by replication, an accepted result counts as verified.',
    },
  } satisfies Record<string, { value: LeaderboardOrder; description: string }>,
});

const LeaderboardEntryRef = builder.objectRef<LeaderboardRow>('LeaderboardEntry').implement({
  description: 'One volunteer account’s standing. Simulated results never count.',
  fields: (t) => ({
    account: t.field({ type: AccountRef, resolve: (row, _args, ctx) => ctx.services.accounts.get(ctx.viewer, row.accountId) }),
    name: t.exposeString('name'),
    earned: t.exposeFloat('earned', { description: 'Credits earned for accepted results.' }),
    tasksPaid: t.exposeInt('tasksPaid', { description: 'Results that were paid for.' }),
    computeHours: t.exposeFloat('computeHours', {
      description: 'Hours of run time of the account’s accepted real results, each counted up to its task’s budget.',
    }),
    verifiedResults: t.exposeInt('verifiedResults', {
      description: 'The account’s accepted real results. Until results are verified by replication, an accepted result counts as verified.',
    }),
  }),
});

builder.queryFields((t) => ({
  creditLedger: t.field({
    type: LedgerPageRef,
    description: 'The caller’s ledger entries, newest first.',
    args: { first: t.arg.int({ defaultValue: 50 }), before: t.arg.id() },
    resolve: async (_root, args, ctx) => {
      const first = args.first ?? 50;
      if (first < 1 || first > 500) throw new GraphQLError('"first" must be between 1 and 500', { extensions: { code: 'BAD_USER_INPUT' } });
      const before = args.before == null ? null : Number(args.before);
      if (before !== null && !Number.isSafeInteger(before)) throw new GraphQLError('"before" is not a ledger entry id', { extensions: { code: 'BAD_USER_INPUT' } });
      const entries = await ctx.services.ledger.entries(ctx.viewer, first + 1, before);
      return { entries: entries.slice(0, first), hasMore: entries.length > first };
    },
  }),
  leaderboard: t.field({
    type: [LeaderboardEntryRef],
    description: 'Volunteers ranked by credits earned, compute hours or verified results.',
    args: {
      first: t.arg.int({ defaultValue: 20, description: 'How many (1 to 100).' }),
      orderBy: t.arg({ type: LeaderboardOrderEnum, defaultValue: 'credits', description: 'What to rank by (default CREDITS).' }),
    },
    resolve: (_root, args, ctx) => ctx.services.ledger.leaderboard(Math.min(Math.max(args.first ?? 20, 1), 100), args.orderBy ?? 'credits'),
  }),
  creditsPerTaskSecond: t.int({
    description: 'The price of compute: a task costs budgetS × this, paid to the worker whose result is accepted.',
    resolve: (_root, _args, ctx) => ctx.deps.env.XEENET_CREDITS_PER_TASK_SECOND,
  }),
}));
