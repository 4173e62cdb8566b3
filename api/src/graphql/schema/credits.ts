import type { LedgerKind } from '../../db/entities/ledger-entry.entity.ts';
import { type LeaderboardOrder, type LeaderboardRow, type LedgerRow } from '../../modules/ledger/ledger.service.ts';
import { builder } from '../builder.ts';
import { describedValues } from '../described-enum.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { AccountRef } from './account.ts';
import { CampaignRef } from './campaign.ts';

const LedgerKindEnum = builder.enumType('LedgerKind', {
  description: 'Why credits moved.',
  values: describedValues<LedgerKind>({
    grant: 'Credits created for an account (a starting grant or an admin grant).',
    escrow: 'A campaign’s cost reserved from its researcher’s wallet at submission.',
    payout: 'A worker paid from a campaign’s escrow for an accepted result.',
    refund: 'Unused escrow returned to the researcher (cancelled or finished campaign).',
    clawback: 'A payout taken back into escrow after a spot check found the result invalid (the wallet may go into debt).',
  }),
});

const LedgerEntryRef = builder.objectRef<LedgerRow>('LedgerEntry').implement({
  description: 'One side of a balanced ledger transaction on the caller’s wallet.',
  fields: (t) => ({
    id: t.id({ description: 'The entry’s id; entries are numbered in the order they were written.', resolve: (entry) => String(entry.id) }),
    txId: t.exposeString('txId', { description: 'The balanced transaction this entry belongs to; its entries sum to zero.' }),
    amount: t.exposeFloat('amount', { description: 'Positive when credits arrive, negative when they leave.' }),
    kind: t.field({ type: LedgerKindEnum, description: 'Why the credits moved.', resolve: (entry) => entry.kind }),
    memo: t.exposeString('memo', { description: 'A human-readable note, e.g. which task was paid.' }),
    campaign: t.field({
      type: CampaignRef,
      nullable: true,
      description: 'The campaign the movement belongs to, when the caller may see it.',
      resolve: (entry, _args, ctx) => (entry.campaignId ? ctx.services.campaigns.find(ctx.viewer, entry.campaignId) : null),
    }),
    taskId: t.id({ nullable: true, description: 'Global id of the task paid for (payouts only).', resolve: (entry) => (entry.taskId ? encodeGlobalID('Task', entry.taskId) : null) }),
    createdAt: t.field({ type: 'DateTime', description: 'When the entry was written.', resolve: (entry) => entry.createdAt }),
  }),
});

const LedgerPageRef = builder.objectRef<{ entries: LedgerRow[]; hasMore: boolean }>('LedgerPage').implement({
  description: 'One page of the caller’s ledger, newest first.',
  fields: (t) => ({
    entries: t.field({ type: [LedgerEntryRef], description: 'The entries of this page, newest first.', resolve: (page) => page.entries }),
    hasMore: t.exposeBoolean('hasMore', { description: 'True when older entries exist.' }),
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
      description: 'Real results found valid by independent replay (or trusted); with verification off, every accepted real result.',
    },
  } satisfies Record<string, { value: LeaderboardOrder; description: string }>,
});

const LeaderboardEntryRef = builder.objectRef<LeaderboardRow>('LeaderboardEntry').implement({
  description: 'One volunteer account’s standing. Simulated results never count.',
  fields: (t) => ({
    account: t.field({
      type: AccountRef,
      description: 'The volunteer’s account.',
      resolve: (row, _args, ctx) => ctx.services.accounts.get(ctx.viewer, row.accountId),
    }),
    name: t.exposeString('name', { description: 'The volunteer’s display name.' }),
    earned: t.exposeFloat('earned', { description: 'Credits earned for accepted results.' }),
    tasksPaid: t.exposeInt('tasksPaid', { description: 'Results that were paid for.' }),
    computeHours: t.exposeFloat('computeHours', {
      description: 'Hours of run time of the account’s accepted real results, each counted up to its task’s budget.',
    }),
    verifiedResults: t.exposeInt('verifiedResults', {
      description: 'The account’s real results found valid (with verification off, its accepted real results); invalid ones never count.',
    }),
  }),
});

builder.queryFields((t) => ({
  creditLedger: t.field({
    type: LedgerPageRef,
    description: 'The caller’s ledger entries, newest first.',
    args: {
      first: t.arg.int({ defaultValue: 50, description: 'Page size, 1 to 500.' }),
      before: t.arg.id({ description: 'Only entries older than this entry id (a previous page’s `nextBefore`).' }),
    },
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
