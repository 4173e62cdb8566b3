// Artifacts as callers see them. Platform artifacts (scripts, Brown, TinyShakespeare) are public.
// An uploaded dataset is visible to whoever uploaded those bytes, to admins, and to anyone who may
// see a campaign that uses it. The bytes themselves are served at /artifacts/<sha256> to anyone
// who knows the hash (workers fetch them that way; the hash is the capability).
import { type ScriptBudgets, scriptBudgets } from '../campaigns/budget.ts';
import type { Cursor } from '@mikro-orm/core';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { Artifact, type ArtifactKind } from '../../db/entities/artifact.entity.ts';
import type { Campaign } from '../../db/entities/campaign.entity.ts';
import { type Db, firstRow, rows, sql } from '../../db/sql.ts';
import { ForbiddenError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../errors.ts';
import { canResearch, requireViewer, type Viewer } from '../accounts/viewer.ts';
import { canViewCampaign, visibleCampaignSql } from '../campaigns/visibility.ts';
import type { CursorPage } from '../pagination.ts';
import { parseInput, SHA256_PATTERN } from '../validation.ts';
import {
  type ArtifactCache,
  type ArtifactInfo,
  artifactPath,
  loadInfo,
  loadPlatformInfoByName,
  sha256Hex,
  storeArtifact,
} from './artifact-store.ts';

export type { ArtifactInfo } from './artifact-store.ts';

const uploadSchema = z.object({ name: z.string().trim().min(1, 'must be 1 to 200 characters').max(200, 'must be 1 to 200 characters') });

export class ArtifactService {
  private readonly em: Db;
  private readonly env: Env;
  private readonly cache: ArtifactCache;

  constructor(em: Db, env: Env, cache: ArtifactCache) {
    this.em = em;
    this.env = env;
    this.cache = cache;
  }

  /** The visibility rule for one artifact. */
  private async canView(viewer: Viewer | null, artifact: { sha256: string; source: string }): Promise<boolean> {
    if (artifact.source !== 'upload' || viewer?.role === 'admin') return true;
    const row = await firstRow<{ visible: boolean }>(
      this.em,
      sql`select exists (select 1 from artifact_upload u where u.artifact_sha256 = ${artifact.sha256} and u.account_id = ${viewer?.accountId ?? null}::uuid)
              or exists (select 1 from campaign c where c.dataset_sha256 = ${artifact.sha256} and ${visibleCampaignSql(viewer, 'c')}) as visible`,
    );
    return row?.visible ?? false;
  }

  /** An artifact the caller may see, or null (unknown, malformed or not visible). */
  async find(viewer: Viewer | null, sha256: string): Promise<Artifact | null> {
    const key = sha256.toLowerCase();
    if (!SHA256_PATTERN.test(key)) return null;
    const artifact = await this.em.findOne(Artifact, { sha256: key });
    return artifact && (await this.canView(viewer, artifact)) ? artifact : null;
  }

  /** An artifact the caller may see, or a NotFoundError. */
  async get(viewer: Viewer | null, sha256: string): Promise<Artifact> {
    const artifact = await this.find(viewer, sha256);
    if (!artifact) throw new NotFoundError('artifact', `artifact ${sha256} not found`);
    return artifact;
  }

  /** A campaign's script or dataset: visible to whoever may see the campaign. */
  async ofCampaign(viewer: Viewer | null, campaign: Campaign, role: 'script' | 'dataset'): Promise<Artifact> {
    if (!canViewCampaign(viewer, campaign)) {
      throw new NotFoundError('campaign', `campaign ${campaign.id} not found`);
    }
    return campaign[role].loadOrFail();
  }

  /** Artifacts the caller may see, newest first. */
  async list(viewer: Viewer | null, filter: { kind?: ArtifactKind | null }, page: CursorPage): Promise<Cursor<Artifact>> {
    const where: Record<string, unknown> = filter.kind ? { kind: filter.kind } : {};
    if (viewer?.role !== 'admin') {
      const visibleUploads = await rows<{ sha256: string }>(
        this.em,
        sql`select u.artifact_sha256 as sha256 from artifact_upload u where u.account_id = ${viewer?.accountId ?? null}::uuid
            union
            select c.dataset_sha256 from campaign c join artifact a on a.sha256 = c.dataset_sha256
            where a.source = 'upload' and ${visibleCampaignSql(viewer, 'c')}`,
      );
      where.$or = [{ source: { $ne: 'upload' } }, { sha256: { $in: visibleUploads.map((row) => row.sha256) } }];
    }
    return this.em.findByCursor(Artifact, { ...page, where, orderBy: { createdAt: 'desc', sha256: 'asc' } });
  }

  /** A researcher's text dataset; identical uploads share one artifact, visible to each uploader. */
  async uploadDataset(viewer: Viewer | null, name: string, file: Pick<File, 'size' | 'arrayBuffer'>): Promise<Artifact> {
    const uploader = requireViewer(viewer);
    if (!canResearch(uploader)) throw new ForbiddenError('only researchers and admins can upload datasets');
    const input = parseInput(uploadSchema, { name });
    const limit = this.env.XEENET_MAX_UPLOAD_BYTES;
    if (file.size > limit) throw new PayloadTooLargeError('the dataset', limit);
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length > limit) throw new PayloadTooLargeError('the dataset', limit);
    if (bytes.length === 0) throw new ValidationError([{ path: ['file'], message: 'the file is empty' }]);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ValidationError([{ path: ['file'], message: 'datasets must be UTF-8 text' }]);
    }
    const sha256 = sha256Hex(bytes);
    await this.em.transactional(async (tx) => {
      await storeArtifact(tx, {
        bytes,
        sha256,
        sizeBytes: bytes.length,
        kind: 'dataset',
        name: input.name,
        mediaType: 'text/plain; charset=utf-8',
        source: 'upload',
        sourceUrl: null,
        metadata: { title: input.name },
        uploadedBy: uploader.accountId,
      });
      await rows(
        tx,
        sql`insert into artifact_upload (artifact_sha256, account_id, created_at) values (${sha256}, ${uploader.accountId}::uuid, now())
            on conflict do nothing`,
      );
    });
    return this.em.findOneOrFail(Artifact, { sha256 }, { refresh: true });
  }

  /** Resolves a brief's reference: a SHA-256 of an artifact the caller may see, or a platform one's name. */
  async resolve(viewer: Viewer | null, kind: ArtifactKind, reference: string): Promise<ArtifactInfo | null> {
    const ref = reference.trim();
    let info: ArtifactInfo | null;
    if (SHA256_PATTERN.test(ref)) {
      const artifact = await this.find(viewer, ref);
      info = artifact && artifact.kind === kind ? await loadInfo(this.em, artifact.sha256) : null;
    } else {
      info = await loadPlatformInfoByName(this.em, kind, ref);
    }
    if (info) this.cache.remember(info);
    return info;
  }

  /** Facts the lease path needs; cached once the content is available, as it never changes. */
  async info(sha256: string): Promise<ArtifactInfo | null> {
    const cached = this.cache.get(sha256);
    if (cached) return cached;
    if (!SHA256_PATTERN.test(sha256)) return null;
    const info = await loadInfo(this.em, sha256);
    if (info) this.cache.remember(info);
    return info;
  }

  /** The budget kinds a training script accepts, from its manifest entry (wall only when it declares none). */
  async scriptBudgets(sha256: string): Promise<ScriptBudgets> {
    const row = await firstRow<{ metadata: Record<string, unknown> | null }>(
      this.em,
      sql`select metadata from artifact where sha256 = ${sha256} and kind = 'script'`,
    );
    return scriptBudgets(row?.metadata);
  }

  /** Whether its content has arrived (false while a dataset fetched from its public source is on its way). */
  async available(artifact: Artifact): Promise<boolean> {
    return (await this.info(artifact.sha256))?.available ?? false;
  }

  async content(sha256: string): Promise<{ bytes: Buffer; mediaType: string; name: string } | null> {
    if (!SHA256_PATTERN.test(sha256)) return null;
    const row = await firstRow<{ content: Buffer | Uint8Array | null; media_type: string; name: string }>(
      this.em,
      sql`select content, media_type, name from artifact where sha256 = ${sha256}`,
    );
    if (!row?.content) return null;
    return { bytes: Buffer.from(row.content), mediaType: row.media_type, name: row.name };
  }

  url(sha256: string): string {
    return `${this.env.XEENET_PUBLIC_URL?.replace(/\/$/, '') ?? ''}${artifactPath(sha256)}`;
  }
}
