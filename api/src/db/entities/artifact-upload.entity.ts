import { defineEntity, p } from '@mikro-orm/core';
import { Account } from './account.entity.ts';
import { Artifact } from './artifact.entity.ts';

/** Who uploaded an artifact: identical bytes are stored once, but every uploader may see them. */
const ArtifactUploadSchema = defineEntity({
  name: 'ArtifactUpload',
  properties: {
    artifact: () => p.manyToOne(Artifact).ref().primary().deleteRule('cascade'),
    account: () => p.manyToOne(Account).ref().primary().deleteRule('cascade').index(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class ArtifactUpload extends ArtifactUploadSchema.class {}
ArtifactUploadSchema.setClass(ArtifactUpload);
