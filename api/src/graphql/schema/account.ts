import { Account, type Role } from '../../db/entities/account.entity.ts';
import { ValidationError } from '../../errors.ts';
import { refreshContext } from '../../context.ts';
import { requireViewer } from '../../modules/accounts/viewer.ts';
import { builder } from '../builder.ts';
import { describedValues } from '../described-enum.ts';
import { AUTH_ERRORS } from './errors.ts';

const ROLE_DESCRIPTIONS: Record<Role, string> = {
  researcher: 'Submits briefs and uploads datasets and training scripts.',
  worker: 'A volunteer: owns worker machines and earns credits.',
  admin: 'Everything, including reviewing scripts and creating accounts.',
  reviewer: 'Reviews researchers’ training scripts: sees the review queue, approves (signs) or rejects.',
};

export const RoleEnum = builder.enumType('Role', {
  description: 'What an account may do.',
  values: describedValues<Role>(ROLE_DESCRIPTIONS),
});

export const AccountRef = builder.objectRef<Account>('Account');

builder.node(AccountRef, {
  isTypeOf: (value) => value instanceof Account,
  description: 'A researcher, a volunteer (worker owner) or an admin.',
  id: { resolve: (account) => account.id },
  loadOne: (id, ctx) => ctx.services.accounts.find(ctx.viewer, id),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name, shown on the leaderboard and campaign pages.' }),
    role: t.field({ type: RoleEnum, description: 'What the account may do.', resolve: (account) => account.role }),
    createdAt: t.field({ type: 'DateTime', description: 'When the account was created.', resolve: (account) => account.createdAt }),
    balance: t.float({
      nullable: true,
      description: 'Credits (whole numbers); visible to the account itself and to admins.',
      resolve: (account, _args, ctx) => ctx.services.ledger.visibleBalance(ctx.viewer, account.id),
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: AccountRef,
    nullable: true,
    description: 'The account behind the request’s token, or null without one.',
    resolve: (_root, _args, ctx) => ctx.services.accounts.me(ctx.viewer),
  }),
);

const CreateAccountInput = builder.inputType('CreateAccountInput', {
  description: 'The account an admin creates.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Display name (1 to 200 characters, no NUL).' }),
    role: t.field({ type: RoleEnum, required: true, description: 'What the new account may do.' }),
  }),
});

const IssuedTokenRef = builder.objectRef<{ account: Account; token: string }>('CreateAccountPayload').implement({
  description: 'A new account with its first API token.',
  fields: (t) => ({
    account: t.field({ type: AccountRef, description: 'The account just created.', resolve: (payload) => payload.account }),
    token: t.exposeString('token', { description: 'Shown only once; store it safely.' }),
  }),
});

builder.mutationField('createAccount', (t) =>
  t.field({
    type: IssuedTokenRef,
    description: 'Admins create accounts; the new account gets its starting grant and a token.',
    args: { input: t.arg({ type: CreateAccountInput, required: true, description: 'Name and role of the new account.' }) },
    errors: { types: [...AUTH_ERRORS, ValidationError], dataField: { description: 'The account and its token.' } },
    resolve: (_root, { input }, ctx) => ctx.services.accounts.createByAdmin(ctx.viewer, input),
  }),
);

builder.subscriptionField('balanceChanged', (t) =>
  t.field({
    type: AccountRef,
    description: 'The caller’s own account whenever credits move in or out of its wallet (payouts, escrow, refunds).',
    subscribe: (_root, _args, ctx) => ctx.deps.events.onBalance(requireViewer(ctx.viewer).accountId),
    resolve: (_event, _args, ctx) => {
      refreshContext(ctx);
      return ctx.services.accounts.own(ctx.viewer);
    },
  }),
);
