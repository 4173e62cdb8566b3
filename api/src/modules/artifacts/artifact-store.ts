// Content-addressed storage: the primary key is the SHA-256 of the bytes, so a row never changes
// meaning. Shared by the registry (platform artifacts at start) and the service (uploads, reads).
import { createHash } from 'node:crypto';
import type { ArtifactKind, ArtifactMetadata, ArtifactSource } from '../../db/entities/artifact.entity.ts';
import { type Db, firstRow, rows, sql } from '../../db/sql.ts';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function artifactPath(sha256: string): string {
  return `/artifacts/${sha256}`;
}

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

export interface StoreInput {
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

/** Inserts an artifact, or fills in content / refreshes builtin metadata when the hash exists. */
export async function storeArtifact(em: Db, input: StoreInput): Promise<void> {
  await rows(
    em,
    sql`insert into artifact (sha256, kind, name, size_bytes, media_type, source, source_url, metadata, uploaded_by_id, content, created_at)
        values (${input.sha256}, ${input.kind}, ${input.name}, ${input.sizeBytes}, ${input.mediaType}, ${input.source},
                ${input.sourceUrl}, ${JSON.stringify(input.metadata)}::jsonb, ${input.uploadedBy ?? null}::uuid, ${input.bytes}, now())
        on conflict (sha256) do update set
          content = coalesce(artifact.content, excluded.content),
          metadata = case when artifact.source = 'builtin' then excluded.metadata else artifact.metadata end`,
  );
}

type InfoRow = { sha256: string; kind: ArtifactKind; name: string; size_bytes: number; available: boolean };

function toInfo(row: InfoRow): ArtifactInfo {
  return { sha256: row.sha256, kind: row.kind, name: row.name, sizeBytes: row.size_bytes, available: row.available };
}

export async function loadInfo(em: Db, sha256: string): Promise<ArtifactInfo | null> {
  const row = await firstRow<InfoRow>(
    em,
    sql`select sha256, kind, name, size_bytes, content is not null as available from artifact where sha256 = ${sha256}`,
  );
  return row ? toInfo(row) : null;
}

/** A platform artifact (never an upload) of a kind by name, the newest of that name. */
export async function loadPlatformInfoByName(em: Db, kind: ArtifactKind, name: string): Promise<ArtifactInfo | null> {
  const row = await firstRow<InfoRow>(
    em,
    sql`select sha256, kind, name, size_bytes, content is not null as available from artifact
        where name = ${name} and kind = ${kind} and source <> 'upload' order by created_at desc limit 1`,
  );
  return row ? toInfo(row) : null;
}
