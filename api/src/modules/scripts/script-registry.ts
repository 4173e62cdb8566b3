// At start: every built-in script (training-scripts/, already stored as an artifact) gets its
// script row, approved and signed with this start's key; campaigns older than script review are
// linked to theirs; scripts signed with another key (an operator rotated it) are signed again.
import type { BudgetKind } from '../../db/entities/script.entity.ts';
import { type Db, rows, sql } from '../../db/sql.ts';
import type { Logger } from '../../logger.ts';
import type { ScriptSigner } from '../signing/signing-key.ts';
import { type ScriptFacts, signedIdentity } from './script-trust.ts';

export interface BuiltinScript {
  sha256: string;
  name: string;
  description: string;
  searchSpace: Record<string, unknown>;
  budgetKinds: BudgetKind[];
}

type FactsRow = { id: string; sha256: string; name: string; version: number; origin: ScriptFacts['origin']; review_state: ScriptFacts['reviewState'] };

export function factsOf(row: FactsRow): ScriptFacts {
  return { id: row.id, sha256: row.sha256, name: row.name, version: row.version, origin: row.origin, reviewState: row.review_state };
}

/** Signs one script row (approved or built-in) with the signer's key; returns false for an unsigned kind. */
export async function signScriptRow(em: Db, signer: ScriptSigner, facts: ScriptFacts): Promise<boolean> {
  const identity = signedIdentity(facts);
  if (!identity) return false;
  const { signature, keyId } = signer.sign(identity);
  await rows(em, sql`update script set signature = ${signature}, signing_key_id = ${keyId}, signed_at = now() where id = ${facts.id}::uuid`);
  return true;
}

export async function registerBuiltinScripts(em: Db, signer: ScriptSigner, scripts: BuiltinScript[], log: Logger): Promise<void> {
  for (const script of scripts) {
    // The next version of the name when these bytes are new; nothing changes when they are known.
    await rows(
      em,
      sql`insert into script (id, artifact_sha256, name, version, description, search_space, budget_kinds, origin, review_state, created_at)
          select gen_random_uuid(), ${script.sha256}, ${script.name},
                 coalesce((select max(version) from script where origin = 'builtin' and name = ${script.name}), 0) + 1,
                 ${script.description}, ${JSON.stringify(script.searchSpace)}::jsonb, ${JSON.stringify(script.budgetKinds)}::jsonb,
                 'builtin', 'approved', now()
          on conflict (artifact_sha256) where origin = 'builtin' do update set
            description = excluded.description, search_space = excluded.search_space, budget_kinds = excluded.budget_kinds`,
    );
  }
  // Built-in artifacts registered before script rows existed (older bytes of a built-in).
  await rows(
    em,
    sql`insert into script (id, artifact_sha256, name, version, description, search_space, budget_kinds, origin, review_state, created_at)
        select gen_random_uuid(), a.sha256, a.name,
               coalesce((select max(version) from script s where s.origin = 'builtin' and s.name = a.name), 0)
                 + row_number() over (partition by a.name order by a.created_at),
               coalesce(a.metadata->>'description', a.name), coalesce(a.metadata->'searchSpace', '{}'::jsonb), '["wall"]'::jsonb,
               'builtin', 'approved', now()
        from artifact a
        where a.kind = 'script' and a.source = 'builtin'
          and not exists (select 1 from script s where s.origin = 'builtin' and s.artifact_sha256 = a.sha256)`,
  );
  await rows(
    em,
    sql`update campaign c set training_script_id = s.id from script s
        where c.training_script_id is null and s.origin = 'builtin' and s.artifact_sha256 = c.script_sha256`,
  );
  const unsigned = await rows<FactsRow & { signing_key_id: string | null }>(
    em,
    sql`select id, artifact_sha256 as sha256, name, version, origin, review_state, signing_key_id from script
        where (origin = 'builtin' or review_state = 'approved')
          and (signature is null or signing_key_id is distinct from ${signer.keyId})`,
  );
  const resigned = unsigned.filter((row) => row.signing_key_id !== null);
  for (const row of unsigned) await signScriptRow(em, signer, factsOf(row));
  if (resigned.length) {
    log.warn('scripts signed with another key were signed again with this key: workers that pinned the old key refuse them until re-registered', {
      count: resigned.length,
      keyId: signer.keyId,
      previousKeyIds: [...new Set(resigned.map((row) => row.signing_key_id))],
    });
  }
  log.info('built-in scripts signed', { count: scripts.length, keyId: signer.keyId, keySource: signer.source });
}
