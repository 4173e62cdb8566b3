import { BudgetKindEnum, ComputeUnitEnum } from './budget.ts';
import { scriptBudgets } from '../../modules/campaigns/budget.ts';
import { Artifact, type ArtifactKind } from '../../db/entities/artifact.entity.ts';
import { PayloadTooLargeError, ValidationError } from '../../errors.ts';
import { builder } from '../builder.ts';
import { describedValues } from '../described-enum.ts';
import { connectionComplexity, pageOptions, paginate } from '../connection.ts';
import { AccountRef } from './account.ts';
import { AUTH_ERRORS } from './errors.ts';
import { unavailableDatasetHelp } from '../../modules/artifacts/dataset-help.ts';

export const ArtifactKindEnum = builder.enumType('ArtifactKind', {
  description: 'What an artifact is for.',
  values: describedValues<ArtifactKind>({
    script: 'A self-contained training script that reads a JSON config and prints one JSON result line.',
    dataset: 'A UTF-8 text corpus a script trains and evaluates on.',
  }),
});

const ArtifactSourceEnum = builder.enumType('ArtifactSource', {
  description: 'Where an artifact’s bytes came from.',
  values: {
    BUILTIN: { value: 'builtin', description: 'Shipped with the platform in training-scripts/.' },
    URL: { value: 'url', description: 'Fetched once from a public URL and verified against a pinned SHA-256.' },
    PACKAGE: { value: 'package', description: 'Built from an npm package bundled with the API.' },
    UPLOAD: { value: 'upload', description: 'Uploaded by a researcher.' },
  } as const,
});

export const ArtifactRef = builder.objectRef<Artifact>('Artifact');

builder.node(ArtifactRef, {
  isTypeOf: (value) => value instanceof Artifact,
  description: 'A training script or dataset, addressed by the SHA-256 of its bytes.',
  id: { resolve: (artifact) => artifact.sha256 },
  loadOne: (sha256, ctx) => ctx.services.artifacts.find(ctx.viewer, sha256),
  fields: (t) => ({
    sha256: t.exposeString('sha256', { description: 'Lower-case hex SHA-256 of the bytes; also the artifact’s identity.' }),
    kind: t.field({ type: ArtifactKindEnum, description: 'Script or dataset.', resolve: (artifact) => artifact.kind }),
    name: t.exposeString('name', { description: 'Short unique name (e.g. char-transformer, tinyshakespeare).' }),
    title: t.string({ description: 'Human-readable title (falls back to the name).', resolve: (artifact) => artifact.metadata.title ?? artifact.name }),
    description: t.string({ nullable: true, description: 'What the script or dataset is, from its manifest or uploader.', resolve: (artifact) => artifact.metadata.description ?? null }),
    sizeBytes: t.exposeInt('sizeBytes', { description: 'Size of the bytes.' }),
    mediaType: t.exposeString('mediaType', { description: 'MIME type of the bytes (text/x-python, text/plain).' }),
    source: t.field({ type: ArtifactSourceEnum, description: 'Where the bytes came from.', resolve: (artifact) => artifact.source }),
    sourceUrl: t.string({ nullable: true, description: 'The public URL a fetched dataset comes from.', resolve: (artifact) => artifact.sourceUrl ?? null }),
    url: t.string({
      description: 'Where workers download it; the bytes always hash to sha256.',
      resolve: (artifact, _args, ctx) => ctx.services.artifacts.url(artifact.sha256),
    }),
    available: t.boolean({
      description: 'False while a dataset fetched from its public source has not arrived yet.',
      resolve: (artifact, _args, ctx) => ctx.services.artifacts.available(artifact),
    }),
    unavailableReason: t.string({
      nullable: true,
      description: 'Null when available; otherwise why not, and how to provide the bytes (e.g. XEENET_DATASETS_DIR).',
      resolve: async (artifact, _args, ctx) =>
        (await ctx.services.artifacts.info(artifact.sha256))?.available ? null : unavailableDatasetHelp(artifact, ctx.deps.env),
    }),
    searchSpace: t.field({
      type: 'JSON',
      nullable: true,
      description: 'For scripts: the default search space shipped beside the script.',
      resolve: (artifact) => artifact.metadata.searchSpace ?? null,
    }),
    defaultConfig: t.field({
      type: 'JSON',
      nullable: true,
      description: 'For scripts: the config values used when the search space leaves a key out.',
      resolve: (artifact) => artifact.metadata.defaultConfig ?? null }),
    defaultBudgetS: t.int({ nullable: true, description: 'For scripts: the suggested per-task wall budget in seconds.', resolve: (artifact) => artifact.metadata.defaultBudgetS ?? null }),
    budgetKinds: t.field({
      type: [BudgetKindEnum],
      nullable: true,
      description: 'Scripts: the budget kinds a brief may use with it (from its manifest; WALL only when it declares none).',
      resolve: (artifact) => (artifact.kind === 'script' ? scriptBudgets(artifact.metadata as Record<string, unknown>).kinds : null),
    }),
    computeUnit: t.field({
      type: ComputeUnitEnum,
      nullable: true,
      description: 'Scripts: what its compute budgets count (training tokens or FLOPs).',
      resolve: (artifact) => (artifact.kind === 'script' ? scriptBudgets(artifact.metadata as Record<string, unknown>).computeUnit : null),
    }),
    defaultCompute: t.float({
      nullable: true,
      description: 'Scripts: the compute budget per task a brief gets by default, in computeUnit.',
      resolve: (artifact) => (artifact.kind === 'script' ? scriptBudgets(artifact.metadata as Record<string, unknown>).defaultCompute : null),
    }),
    metric: t.string({ nullable: true, description: 'For scripts: the metric results are ranked by (val_bpb, lower is better).', resolve: (artifact) => artifact.metadata.metric ?? null }),
    uploadedBy: t.field({
      type: AccountRef,
      nullable: true,
      description: 'Who uploaded it (null for built-in and fetched artifacts).',
      resolve: (artifact, _args, ctx) => (artifact.uploadedBy ? ctx.services.accounts.find(ctx.viewer, artifact.uploadedBy.id) : null),
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When the artifact was first registered.', resolve: (artifact) => artifact.createdAt }),
  }),
});

builder.queryFields((t) => ({
  artifacts: t.connection(
    {
      type: ArtifactRef,
      description: 'Scripts and datasets the caller may use, newest first.',
      args: { kind: t.arg({ type: ArtifactKindEnum, description: 'Only artifacts of this kind.' }) },
      complexity: connectionComplexity(100, 50),
      resolve: (_root, args, ctx) => paginate(() => ctx.services.artifacts.list(ctx.viewer, { kind: args.kind }, pageOptions(args, 50, 100))),
    },
    { fields: (c) => ({ totalCount: c.int({ description: 'How many items the whole list holds.', resolve: (connection) => (connection as { totalCount: number }).totalCount }) }) },
  ),
  artifact: t.field({
    type: ArtifactRef,
    nullable: true,
    description: 'One artifact by the SHA-256 of its bytes, or null when unknown or not visible.',
    args: { sha256: t.arg.string({ required: true, description: 'Lower-case hex SHA-256 of the bytes.' }) },
    resolve: (_root, { sha256 }, ctx) => ctx.services.artifacts.find(ctx.viewer, sha256),
  }),
}));

builder.mutationField('uploadDataset', (t) =>
  t.field({
    type: ArtifactRef,
    description: 'Uploads a UTF-8 text dataset (multipart request). Identical bytes give the same artifact.',
    args: {
      name: t.arg.string({ required: true, description: 'A short name for the dataset (1 to 200 characters).' }),
      file: t.arg({ type: 'File', required: true, description: 'The UTF-8 text file.' }),
    },
    errors: { types: [...AUTH_ERRORS, ValidationError, PayloadTooLargeError], dataField: { description: 'The stored dataset.' } },
    resolve: (_root, { name, file }, ctx) => ctx.services.artifacts.uploadDataset(ctx.viewer, name, file),
  }),
);
