// Researchers' training scripts: upload, review (approve signs, reject says why), and what a
// script page shows (source, diff against its parent, the contract check, the campaigns using it).
import { REVIEW_STATES, type ReviewState, Script, type ScriptCheck } from '../../db/entities/script.entity.ts';
import { InvalidStateError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../errors.ts';
import { builder } from '../builder.ts';
import { BudgetKindEnum } from './budget.ts';
import { connectionComplexity, pageOptions, paginate } from '../connection.ts';
import { decodeId } from '../global-id.ts';
import { AccountRef } from './account.ts';
import { ArtifactRef } from './artifact.ts';
import { CampaignRef } from './campaign.ts';
import { AUTH_ERRORS } from './errors.ts';
import { ScriptTrustEnum } from './lease.ts';

const REVIEW_STATE_DESCRIPTIONS: Record<ReviewState, string> = {
  pending_review: 'Uploaded, not reviewed yet: runs only in its owner’s own-machines campaigns.',
  approved: 'Approved by a reviewer (or built in) and signed: any worker may run it.',
  rejected: 'A reviewer rejected it (see reviewReason): runs only in its owner’s own-machines campaigns.',
};

export const ReviewStateEnum = builder.enumType('ReviewState', {
  description: 'Where a script is in review.',
  values: Object.fromEntries(REVIEW_STATES.map((state) => [state.toUpperCase(), { value: state, description: REVIEW_STATE_DESCRIPTIONS[state] }])) as Record<
    Uppercase<ReviewState>,
    { value: ReviewState; description: string }
  >,
});


const CheckItemRef = builder.objectRef<{ ok: boolean | null; detail: string }>('ScriptCheckItem').implement({
  description: 'One part of the contract check.',
  fields: (t) => ({
    ok: t.boolean({ nullable: true, description: 'True: passed; false: failed; null: not checked (the detail says why).', resolve: (item) => item.ok }),
    detail: t.exposeString('detail', { description: 'What was found, in a sentence.' }),
  }),
});

const ScriptCheckRef = builder.objectRef<ScriptCheck>('ScriptCheck').implement({
  description: 'The review’s contract check: the script parses as Python, declares its search space, and a short real run printed a valid result line.',
  fields: (t) => ({
    parses: t.field({ type: CheckItemRef, description: 'ast.parse in a Python subprocess, at upload.', resolve: (check) => check.parses }),
    searchSpace: t.field({ type: CheckItemRef, description: 'Its default search space, validated at upload.', resolve: (check) => check.searchSpace }),
    run: t.field({
      type: CheckItemRef,
      description: 'A succeeded task of a campaign running it (e.g. a 1-task own-machines campaign), whose result passed the contract rules.',
      resolve: (check) => check.run,
    }),
    runCampaign: t.field({
      type: CampaignRef,
      nullable: true,
      description: 'The campaign of that run, when the caller may see it.',
      resolve: (check, _args, ctx) => (check.run.campaignId ? ctx.services.campaigns.find(ctx.viewer, check.run.campaignId) : null),
    }),
    checkedAt: t.field({ type: 'DateTime', description: 'When the upload checks ran.', resolve: (check) => new Date(check.checkedAt) }),
  }),
});

export const ScriptRef = builder.objectRef<Script>('Script');

builder.node(ScriptRef, {
  isTypeOf: (value) => value instanceof Script,
  description: 'A training script: a built-in one, or a researcher’s upload with its review state.',
  id: { resolve: (script) => script.id },
  loadOne: (id, ctx) => ctx.services.scripts.find(ctx.viewer, id),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Lowercase letters, digits and dashes.' }),
    version: t.exposeInt('version', { description: '1 for its owner’s first script of this name, then 2, 3, ... (built-ins share one namespace).' }),
    description: t.exposeString('description', { description: 'What the script trains and reports.' }),
    searchSpace: t.field({ type: 'JSON', description: 'Its default search space.', resolve: (script) => script.searchSpace }),
    budgetKinds: t.field({ type: [BudgetKindEnum], description: 'The budget kinds it supports.', resolve: (script) => script.budgetKinds }),
    builtin: t.boolean({ description: 'Shipped with the platform in training-scripts/.', resolve: (script) => script.origin === 'builtin' }),
    owner: t.field({
      type: AccountRef,
      nullable: true,
      description: 'Who uploaded it; null for built-ins.',
      resolve: (script, _args, ctx) => (script.owner ? ctx.services.accounts.find(ctx.viewer, script.owner.id) : null),
    }),
    parent: t.field({
      type: ScriptRef,
      nullable: true,
      description: 'The script it was edited from, when named at upload and visible to the caller.',
      resolve: (script, _args, ctx) => (script.parent ? ctx.services.scripts.find(ctx.viewer, script.parent.id) : null),
    }),
    artifact: t.field({
      type: ArtifactRef,
      nullable: true,
      description: 'Its bytes as an artifact (content addressed).',
      resolve: (script, _args, ctx) => ctx.services.artifacts.find(ctx.viewer, script.artifact.sha256),
    }),
    sha256: t.string({ description: 'SHA-256 of its bytes.', resolve: (script) => script.artifact.sha256 }),
    reviewState: t.field({ type: ReviewStateEnum, description: 'Pending review, approved or rejected.', resolve: (script) => script.reviewState }),
    reviewReason: t.string({ nullable: true, description: 'Why it was rejected, for its owner.', resolve: (script) => script.reviewReason ?? null }),
    reviewedBy: t.field({
      type: AccountRef,
      nullable: true,
      description: 'The reviewer who approved or rejected it.',
      resolve: (script, _args, ctx) => (script.reviewedBy ? ctx.services.accounts.find(ctx.viewer, script.reviewedBy.id) : null),
    }),
    reviewedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was reviewed.', resolve: (script) => script.reviewedAt ?? null }),
    trust: t.field({ type: ScriptTrustEnum, description: 'What leases say about it: BUILTIN, REVIEWED or OWN.', resolve: (script, _args, ctx) => ctx.services.scripts.trust(script) }),
    signature: t.string({ nullable: true, description: 'Base64 Ed25519 signature (see SigningKey); null until approved.', resolve: (script) => script.signature ?? null }),
    signingKeyId: t.string({ nullable: true, description: 'The key that signed it.', resolve: (script) => script.signingKeyId ?? null }),
    signedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was signed.', resolve: (script) => script.signedAt ?? null }),
    source: t.string({ description: 'The script’s source text (UTF-8).', resolve: (script, _args, ctx) => ctx.services.scripts.source(script) }),
    diff: t.string({
      nullable: true,
      description: 'A unified diff from its parent’s source to its own; null without a (visible) parent.',
      resolve: (script, _args, ctx) => ctx.services.scripts.diff(ctx.viewer, script),
    }),
    check: t.field({ type: ScriptCheckRef, description: 'The contract check reviewers look at.', resolve: (script, _args, ctx) => ctx.services.scripts.check(script) }),
    campaigns: t.field({
      type: [CampaignRef],
      description: 'Campaigns that ran it and the caller may see, newest first (at most 100).',
      resolve: (script, _args, ctx) => ctx.services.scripts.campaigns(ctx.viewer, script),
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was uploaded or first registered.', resolve: (script) => script.createdAt }),
  }),
});

builder.objectField(CampaignRef, 'trainingScript', (t) =>
  t.field({
    type: ScriptRef,
    nullable: true,
    description: 'The script it runs, with its review state (null only for campaigns from before script review).',
    resolve: (campaign, _args, ctx) => (campaign.trainingScript ? ctx.services.scripts.find(ctx.viewer, campaign.trainingScript.id) : null),
  }),
);

builder.queryFields((t) => ({
  script: t.field({
    type: ScriptRef,
    nullable: true,
    description: 'A script by id, when the caller may see it (approved ones: everyone; others: owner, reviewers, admins).',
    args: { id: t.arg.id({ required: true, description: 'The script’s global id.' }) },
    resolve: (_root, { id }, ctx) => ctx.services.scripts.find(ctx.viewer, decodeId(String(id), 'Script')),
  }),
  scripts: t.connection(
    {
      type: ScriptRef,
      description: 'Scripts the caller may see, newest first.',
      args: {
        reviewState: t.arg({ type: ReviewStateEnum, description: 'Only scripts in this review state.' }),
        mine: t.arg.boolean({ description: 'Only the caller’s own uploads.' }),
      },
      complexity: connectionComplexity(100, 50),
      resolve: (_root, args, ctx) =>
        paginate(() => ctx.services.scripts.list(ctx.viewer, { reviewState: args.reviewState, mine: args.mine }, pageOptions(args, 50, 100))),
    },
    {
      fields: (c) => ({
        totalCount: c.int({ description: 'How many match.', resolve: (connection) => (connection as { totalCount: number }).totalCount }),
      }),
    },
  ),
  reviewQueue: t.connection(
    {
      type: ScriptRef,
      description: 'Scripts waiting for review, oldest first. Reviewers and admins only.',
      complexity: connectionComplexity(100, 50),
      resolve: (_root, args, ctx) => paginate(() => ctx.services.scripts.reviewQueue(ctx.viewer, pageOptions(args, 50, 100))),
    },
    {
      fields: (c) => ({
        totalCount: c.int({ description: 'How many match.', resolve: (connection) => (connection as { totalCount: number }).totalCount }),
      }),
    },
  ),
}));

const UploadScriptInput = builder.inputType('UploadScriptInput', {
  description: 'What a script declares about itself; the file travels beside it (multipart request).',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Lowercase letters, digits and dashes (1 to 100).' }),
    description: t.string({ required: true, description: 'What it trains and reports (at most 10,000 characters).' }),
    searchSpace: t.field({ type: 'JSON', required: true, description: 'Its default search space (the brief format).' }),
    budgetKinds: t.field({ type: [BudgetKindEnum], required: true, description: 'The budget kinds it supports: WALL and/or COMPUTE.' }),
    parentId: t.id({ description: 'The script it was edited from (a global id); its diff is shown to reviewers.' }),
  }),
});

const SCRIPT_ERRORS = [...AUTH_ERRORS, NotFoundError, ValidationError, InvalidStateError];

builder.mutationFields((t) => ({
  uploadScript: t.field({
    type: ScriptRef,
    description:
      'Uploads a training script: one Python file, UTF-8 without NUL, at most XEENET_MAX_SCRIPT_BYTES. It is pending review ' +
      'and runs only in its owner’s own-machines campaigns until approved. The same bytes again return the same script.',
    args: {
      input: t.arg({ type: UploadScriptInput, required: true, description: 'Name, description, search space, budget kinds, parent.' }),
      file: t.arg({ type: 'File', required: true, description: 'The .py file.' }),
    },
    errors: { types: [...SCRIPT_ERRORS, PayloadTooLargeError], dataField: { description: 'The stored script (pending review unless it is a repeat upload).' } },
    resolve: (_root, { input, file }, ctx) =>
      ctx.services.scripts.upload(
        ctx.viewer,
        {
          name: input.name,
          description: input.description,
          searchSpace: input.searchSpace,
          budgetKinds: input.budgetKinds,
          parentId: input.parentId ? decodeId(String(input.parentId), 'Script') : null,
        },
        file,
      ),
  }),
  approveScript: t.field({
    type: ScriptRef,
    description: 'Approves a pending script and signs it with the platform key, so any worker may run it. Reviewers and admins.',
    args: { id: t.arg.id({ required: true, description: 'The script’s global id.' }) },
    errors: { types: SCRIPT_ERRORS, dataField: { description: 'The approved, signed script.' } },
    resolve: (_root, { id }, ctx) => ctx.services.scripts.approve(ctx.viewer, decodeId(String(id), 'Script')),
  }),
  rejectScript: t.field({
    type: ScriptRef,
    description: 'Rejects a pending script with a reason its owner sees. Reviewers and admins.',
    args: {
      id: t.arg.id({ required: true, description: 'The script’s global id.' }),
      reason: t.arg.string({ required: true, description: 'Why, so the owner can fix it (at most 2,000 characters).' }),
    },
    errors: { types: SCRIPT_ERRORS, dataField: { description: 'The rejected script, with the reason its owner sees.' } },
    resolve: (_root, { id, reason }, ctx) => ctx.services.scripts.reject(ctx.viewer, decodeId(String(id), 'Script'), reason),
  }),
}));
