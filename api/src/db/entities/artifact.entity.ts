import { defineEntity, p } from '@mikro-orm/core';
import { Account } from './account.entity.ts';

export const ARTIFACT_KINDS = ['script', 'dataset'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];
export const ARTIFACT_SOURCES = ['builtin', 'url', 'package', 'upload'] as const;
export type ArtifactSource = (typeof ARTIFACT_SOURCES)[number];

/** Descriptive metadata; for scripts it carries the manifest entry (search space, defaults). */
export interface ArtifactMetadata {
  title?: string;
  description?: string;
  searchSpace?: Record<string, unknown>;
  defaultConfig?: Record<string, unknown>;
  defaultBudgetS?: number;
  /** The manifest's `budgets`: kinds accepted, the compute unit and its default amount. */
  budgets?: { kinds: ('wall' | 'compute')[]; computeUnit?: 'tokens' | 'flops'; defaultCompute?: number };
  metric?: string;
}

// Content-addressed: the primary key is the SHA-256 of the bytes, so rows never change meaning.
const ArtifactSchema = defineEntity({
  name: 'Artifact',
  properties: {
    sha256: p.string().length(64).primary(),
    kind: p.enum([...ARTIFACT_KINDS]),
    name: p.string().length(200),
    sizeBytes: p.integer(),
    mediaType: p.string().length(100),
    source: p.enum([...ARTIFACT_SOURCES]),
    sourceUrl: p.text().nullable(),
    metadata: p.json<ArtifactMetadata>(),
    uploadedBy: () => p.manyToOne(Account).ref().nullable().deleteRule('set null'),
    // Absent until a dataset fetched from its public source has arrived and been verified.
    content: p.blob().lazy().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Artifact extends ArtifactSchema.class {}
ArtifactSchema.setClass(Artifact);
