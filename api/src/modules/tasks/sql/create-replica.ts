// succeeded (original) → a new queued replica: the same config, seed and budget, plus the result's
// replay keys (step count, schedule, threads), so another worker reproduces the run. It comes ahead
// of the campaign's other work (priority + 1) and carries who may not take it.
import type { Query } from '../../../db/sql.ts';

export interface ReplicaSpec {
  /** The result's `replay` object (without `device`: the replica's worker picks its own). */
  replay: Record<string, unknown>;
  /** Owners whose results this replica checks: their workers never take it. */
  excludedAccountIds: string[];
  /** It checks an unproven worker: only an established or trusted worker may take it. */
  needsEstablished: boolean;
}

export function createReplica(originalId: string, spec: ReplicaSpec): Query<{ id: string; campaign_id: string; reward: string | number }> {
  return {
    name: 'xeenet_create_replica',
    text: `insert into task (id, campaign_id, index, config, seed, budget_s, status, priority, attempts, max_attempts, reward,
          simulated, created_at, updated_at, replica_of_id, excluded_account_ids, needs_established)
        select gen_random_uuid(), o.campaign_id, o.index, o.config || $2::jsonb, o.seed, o.budget_s, 'queued', o.priority + 1, 0,
          o.max_attempts, o.reward, false, o.created_at, now(), o.id, $3::text[], $4
        from task o join campaign c on c.id = o.campaign_id
        where o.id = $1::uuid and o.replica_of_id is null and c.status = 'running'
        returning id, campaign_id, reward`,
    values: [originalId, JSON.stringify(spec.replay), spec.excludedAccountIds, spec.needsEstablished],
  };
}
