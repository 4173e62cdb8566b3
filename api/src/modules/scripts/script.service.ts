// Researchers' training scripts: uploaded (content addressed like datasets), reviewed, signed.
// Visibility: an approved or built-in script is public; a pending or rejected one is its owner's,
// reviewers' and admins'. A pending script runs only in its owner's own-machines campaigns (the
// lease statement enforces it); approving signs it, and only then may other people's workers get it.
import type { Cursor } from '@mikro-orm/core';
import { createTwoFilesPatch } from 'diff';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { Campaign } from '../../db/entities/campaign.entity.ts';
import { BUDGET_KINDS, type ReviewState, Script, type ScriptCheck } from '../../db/entities/script.entity.ts';
import { type Db, firstRow, rows, sql } from '../../db/sql.ts';
import { ForbiddenError, InvalidStateError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../errors.ts';
import { canResearch, requireViewer, type Viewer } from '../accounts/viewer.ts';
import type { ArtifactInfo, ArtifactService } from '../artifacts/artifact.service.ts';
import { sha256Hex, storeArtifact } from '../artifacts/artifact-store.ts';
import { visibleCampaignsFilter } from '../campaigns/visibility.ts';
import { parseSearchSpace } from '../campaigns/search-space.ts';
import type { CursorPage } from '../pagination.ts';
import type { ScriptSigner } from '../signing/signing-key.ts';
import { parseInput, SHA256_PATTERN, UUID_PATTERN } from '../validation.ts';
import { checkPythonParses } from './python-check.ts';
import { factsOf, signScriptRow } from './script-registry.ts';
import { type ScriptTrust, trustOf } from './script-trust.ts';

export const SCRIPT_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/;

const uploadSchema = z.object({
  name: z.string().regex(SCRIPT_NAME_PATTERN, 'must be 1 to 100 lowercase letters, digits or dashes, starting with a letter or digit'),
  description: z.string().trim().min(1, 'is required').max(10_000, 'must be at most 10,000 characters'),
  budgetKinds: z
    .array(z.enum(BUDGET_KINDS))
    .min(1, 'name at least one budget kind (wall, compute)')
    .transform((kinds) => [...new Set(kinds)].sort()),
  parentId: z.string().regex(UUID_PATTERN, 'is not a script id').nullish(),
});

const rejectSchema = z.object({ reason: z.string().trim().min(1, 'say why, so the owner can fix it').max(2000, 'must be at most 2,000 characters') });

export interface ScriptUpload {
  name: string;
  description: string;
  searchSpace: unknown;
  budgetKinds: string[];
  parentId?: string | null;
}

export interface ScriptFilter {
  reviewState?: ReviewState | null;
  mine?: boolean | null;
}

export function canReview(viewer: Viewer | null): boolean {
  return viewer?.role === 'admin' || viewer?.role === 'reviewer';
}

function canSeeUnreviewed(viewer: Viewer | null, script: Script): boolean {
  return canReview(viewer) || (viewer !== null && script.owner?.id === viewer.accountId);
}

const NUL = 0x00;

export class ScriptService {
  private readonly em: Db;
  private readonly env: Env;
  private readonly signer: ScriptSigner;
  private readonly artifacts: ArtifactService;

  constructor(em: Db, env: Env, signer: ScriptSigner, artifacts: ArtifactService) {
    this.em = em;
    this.env = env;
    this.signer = signer;
    this.artifacts = artifacts;
  }

  canView(viewer: Viewer | null, script: Script): boolean {
    return script.reviewState === 'approved' || canSeeUnreviewed(viewer, script);
  }

  /** A script the caller may see, or null. */
  async find(viewer: Viewer | null, id: string): Promise<Script | null> {
    if (!UUID_PATTERN.test(id)) return null;
    const script = await this.em.findOne(Script, { id: id.toLowerCase() });
    return script && this.canView(viewer, script) ? script : null;
  }

  async get(viewer: Viewer | null, id: string): Promise<Script> {
    const script = await this.find(viewer, id);
    if (!script) throw new NotFoundError('script', `script ${id} not found`);
    return script;
  }

  /** Scripts the caller may see, newest first. */
  async list(viewer: Viewer | null, filter: ScriptFilter, page: CursorPage): Promise<Cursor<Script>> {
    const where: Record<string, unknown> = {};
    if (filter.reviewState) where.reviewState = filter.reviewState;
    if (filter.mine) where.owner = requireViewer(viewer).accountId;
    if (!canReview(viewer)) {
      where.$or = viewer ? [{ reviewState: 'approved' }, { owner: viewer.accountId }] : [{ reviewState: 'approved' }];
    }
    return this.em.findByCursor(Script, { ...page, where, orderBy: { createdAt: 'desc', id: 'asc' } });
  }

  /** Scripts waiting for a reviewer, oldest first. Reviewers and admins only. */
  async reviewQueue(viewer: Viewer | null, page: CursorPage): Promise<Cursor<Script>> {
    requireReviewer(viewer);
    return this.em.findByCursor(Script, { ...page, where: { reviewState: 'pending_review' }, orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  trust(script: Script): ScriptTrust {
    return trustOf(script);
  }

  /**
   * A researcher's script: one UTF-8 Python file without NUL, at most XEENET_MAX_SCRIPT_BYTES.
   * The same bytes uploaded again by the same owner return the script they already have.
   */
  async upload(viewer: Viewer | null, input: ScriptUpload, file: Pick<File, 'size' | 'arrayBuffer'>): Promise<Script> {
    const owner = requireViewer(viewer);
    if (!canResearch(owner)) throw new ForbiddenError('only researchers and admins can upload training scripts');
    const fields = parseInput(uploadSchema, {
      name: input.name,
      description: input.description,
      budgetKinds: input.budgetKinds,
      parentId: input.parentId,
    });
    const space = parseSearchSpace(input.searchSpace);
    if (!space.ok) throw new ValidationError(space.errors);
    const limit = this.env.XEENET_MAX_SCRIPT_BYTES;
    if (file.size > limit) throw new PayloadTooLargeError('the script', limit);
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length > limit) throw new PayloadTooLargeError('the script', limit);
    if (bytes.length === 0) throw new ValidationError([{ path: ['file'], message: 'the file is empty' }]);
    if (bytes.includes(NUL)) throw new ValidationError([{ path: ['file'], message: 'a script may not contain NUL bytes' }]);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ValidationError([{ path: ['file'], message: 'a script must be UTF-8 text' }]);
    }
    const parent = fields.parentId ? await this.find(owner, fields.parentId) : null;
    if (fields.parentId && !parent) throw new ValidationError([{ path: ['parentId'], message: 'no script you may see has this id' }]);

    const sha256 = sha256Hex(bytes);
    const parses = await checkPythonParses(this.env.XEENET_PYTHON, bytes);
    const check: ScriptCheck = {
      parses,
      searchSpace: { ok: true, detail: `declares a default search space of ${space.space.names.length} parameter(s): ${space.space.names.join(', ') || 'none'}` },
      run: { ok: null, detail: 'no run yet' },
      checkedAt: new Date().toISOString(),
    };
    const id = await this.em.transactional(async (tx) => {
      await storeArtifact(tx, {
        bytes,
        sha256,
        sizeBytes: bytes.length,
        kind: 'script',
        name: fields.name,
        mediaType: 'text/x-python; charset=utf-8',
        source: 'upload',
        sourceUrl: null,
        metadata: { title: fields.name, description: fields.description, searchSpace: input.searchSpace as Record<string, unknown> },
        uploadedBy: owner.accountId,
      });
      await rows(
        tx,
        sql`insert into artifact_upload (artifact_sha256, account_id, created_at) values (${sha256}, ${owner.accountId}::uuid, now())
            on conflict do nothing`,
      );
      const existing = await firstRow<{ id: string }>(
        tx,
        sql`select id from script where owner_id = ${owner.accountId}::uuid and artifact_sha256 = ${sha256}`,
      );
      if (existing) return existing.id;
      const inserted = await firstRow<{ id: string }>(
        tx,
        sql`insert into script (id, artifact_sha256, name, version, description, search_space, budget_kinds, parent_id, owner_id,
                                origin, review_state, "check", created_at)
            values (gen_random_uuid(), ${sha256}, ${fields.name},
                    coalesce((select max(version) from script where owner_id = ${owner.accountId}::uuid and name = ${fields.name}), 0) + 1,
                    ${fields.description}, ${JSON.stringify(input.searchSpace)}::jsonb, ${JSON.stringify(fields.budgetKinds)}::jsonb,
                    ${parent?.id ?? null}::uuid, ${owner.accountId}::uuid, 'upload', 'pending_review', ${JSON.stringify(check)}::jsonb, now())
            returning id`,
      );
      return inserted!.id;
    });
    return this.em.findOneOrFail(Script, { id }, { refresh: true });
  }

  /** Approves a pending script and signs it: from now on any worker may run it. */
  async approve(viewer: Viewer | null, id: string): Promise<Script> {
    const reviewer = requireReviewer(viewer);
    const script = await this.get(reviewer, id);
    if (script.owner?.id === reviewer.accountId && reviewer.role !== 'admin') {
      throw new ForbiddenError('a reviewer cannot approve their own script');
    }
    await this.em.transactional(async (tx) => {
      const updated = await firstRow<{ id: string; sha256: string; name: string; version: number; origin: 'upload'; review_state: 'approved' }>(
        tx,
        sql`update script set review_state = 'approved', review_reason = null, reviewed_by_id = ${reviewer.accountId}::uuid, reviewed_at = now()
            where id = ${script.id}::uuid and review_state = 'pending_review'
            returning id, artifact_sha256 as sha256, name, version, origin, review_state`,
      );
      if (!updated) throw new InvalidStateError(`the script is ${script.reviewState.replace('_', ' ')}, not pending review`);
      await signScriptRow(tx, this.signer, factsOf(updated));
    });
    return this.em.findOneOrFail(Script, { id: script.id }, { refresh: true });
  }

  /** Rejects a pending script with a reason its owner sees; it stays runnable on the owner's machines only. */
  async reject(viewer: Viewer | null, id: string, reason: string): Promise<Script> {
    const reviewer = requireReviewer(viewer);
    const input = parseInput(rejectSchema, { reason });
    const script = await this.get(reviewer, id);
    const updated = await rows(
      this.em,
      sql`update script set review_state = 'rejected', review_reason = ${input.reason}, reviewed_by_id = ${reviewer.accountId}::uuid, reviewed_at = now()
          where id = ${script.id}::uuid and review_state = 'pending_review' returning id`,
    );
    if (!updated.length) throw new InvalidStateError(`the script is ${script.reviewState.replace('_', ' ')}, not pending review`);
    return this.em.findOneOrFail(Script, { id: script.id }, { refresh: true });
  }

  /** The script's source text (whoever may see the script may read it). */
  async source(script: Script): Promise<string> {
    const content = await this.artifacts.content(script.artifact.sha256);
    if (!content) throw new NotFoundError('script', `the bytes of script ${script.id} are not stored`);
    return content.bytes.toString('utf8');
  }

  /** A unified diff from its parent's source to its own; null without a parent. */
  async diff(viewer: Viewer | null, script: Script): Promise<string | null> {
    if (!script.parent) return null;
    const parent = await this.find(viewer, script.parent.id);
    if (!parent) return null;
    const [before, after] = await Promise.all([this.source(parent), this.source(script)]);
    return createTwoFilesPatch(`${parent.name} v${parent.version}`, `${script.name} v${script.version}`, before, after, undefined, undefined, {
      context: 3,
    });
  }

  /**
   * The review's contract check: what upload found (it parses, it declares a search space) and the
   * short run: a succeeded task of an own-machines campaign with this script, whose result passed
   * the contract's rules when completeTask accepted it.
   */
  async check(script: Script): Promise<ScriptCheck> {
    const stored: ScriptCheck = script.check ?? {
      parses: { ok: null, detail: script.origin === 'builtin' ? 'built-in: tested with the platform' : 'not checked' },
      searchSpace: { ok: true, detail: 'built-in: ships its default search space' },
      run: { ok: null, detail: 'no run yet' },
      checkedAt: script.createdAt.toISOString(),
    };
    const run = await firstRow<{ campaign_id: string; val_bpb: number }>(
      this.em,
      sql`select t.campaign_id, t.val_bpb from task t join campaign c on c.id = t.campaign_id
          where c.training_script_id = ${script.id}::uuid and t.status = 'succeeded' and not t.simulated
          order by t.finished_at limit 1`,
    );
    const failed = run
      ? null
      : await firstRow<{ campaign_id: string; failure_reason: string | null }>(
          this.em,
          sql`select t.campaign_id, t.failure_reason from task t join campaign c on c.id = t.campaign_id
              where c.training_script_id = ${script.id}::uuid and t.status = 'failed' order by t.finished_at desc limit 1`,
        );
    const runCheck = run
      ? { ok: true, detail: `a real run printed a valid result line (val_bpb ${run.val_bpb})`, campaignId: run.campaign_id }
      : failed
        ? { ok: false, detail: `a run failed: ${failed.failure_reason ?? 'no reason recorded'}`, campaignId: failed.campaign_id }
        : {
            ok: null,
            detail: 'no run yet: the owner (or a reviewer) submits an own-machines campaign with it, e.g. 1 task, for a worker of their own',
            campaignId: null,
          };
    return { ...stored, run: runCheck };
  }

  /** Campaigns that used the script and the caller may see, newest first. */
  async campaigns(viewer: Viewer | null, script: Script): Promise<Campaign[]> {
    const visible = visibleCampaignsFilter(viewer);
    return this.em.find(Campaign, { trainingScript: script.id, ...(visible ?? {}) }, { orderBy: { createdAt: 'desc' }, limit: 100 });
  }

  /**
   * A brief's script reference: a script id (UUID or global id), a SHA-256 (a built-in's or approved script's bytes,
   * else the caller's own script with those bytes) or a name (a built-in, else the caller's own,
   * newest version). Null when nothing the caller may use matches.
   */
  async resolveForBrief(viewer: Viewer, reference: string): Promise<{ script: Script; artifact: ArtifactInfo } | null> {
    const ref = reference.trim();
    let script: Script | null = null;
    const id = scriptIdOf(ref);
    if (id) {
      script = await this.find(viewer, id);
    } else {
      const bySha = SHA256_PATTERN.test(ref.toLowerCase());
      const key = bySha ? { artifact: ref.toLowerCase() } : { name: ref };
      script =
        (await this.em.findOne(Script, { ...key, origin: 'builtin' }, { orderBy: { version: 'desc' } })) ??
        (bySha ? await this.em.findOne(Script, { ...key, reviewState: 'approved' }, { orderBy: { createdAt: 'asc' } }) : null) ??
        (await this.em.findOne(Script, { ...key, owner: viewer.accountId }, { orderBy: { version: 'desc' } }));
    }
    if (!script) return null;
    const artifact = await this.artifacts.info(script.artifact.sha256);
    return artifact ? { script, artifact } : null;
  }
}

function requireReviewer(viewer: Viewer | null): Viewer {
  const signedIn = requireViewer(viewer);
  if (!canReview(signedIn)) throw new ForbiddenError(`reviewing scripts needs the reviewer or admin role; this token's account is a ${signedIn.role}`);
  return signedIn;
}

/** A script's UUID from a brief's reference: the UUID itself or its global id, base64("Script:<uuid>"). */
function scriptIdOf(reference: string): string | null {
  if (UUID_PATTERN.test(reference)) return reference;
  const decoded = /^Script:(.+)$/.exec(Buffer.from(reference, 'base64').toString('utf8'));
  return decoded && UUID_PATTERN.test(decoded[1]!) ? decoded[1]! : null;
}
