// Confirm before keep: the campaign's top configs (at the largest budget any task ran with, so
// ASHA's top rung is what gets confirmed) re-run with new seeds. Seeds come from the campaign's
// seed alone, so the same campaign confirms with the same seeds.
import { type Db, rows, sql } from '../../db/sql.ts';
import type { Proposal } from '../search/index.ts';
import { Prng } from './prng.ts';
import { canonical, type TaskConfig } from './sampler.ts';

interface ConfirmCampaign {
  id: string;
  seed: number;
  confirm_top_k: number;
  confirm_seeds: number;
}

interface Candidate {
  id: string;
  index: number;
  config: TaskConfig;
  seed: number;
  budget_scale: number;
  val_bpb: number;
}

/** The replicate tasks to create (k configs × m seeds, fewer when fewer configs succeeded). */
export async function confirmProposals(tx: Db, campaign: ConfirmCampaign): Promise<Proposal[]> {
  const succeeded = await rows<Candidate>(
    tx,
    sql`select id, index, config, seed, budget_scale, val_bpb from task
        where campaign_id = ${campaign.id}::uuid and role = 'explore' and status = 'succeeded' and val_bpb is not null
        order by budget_scale desc, val_bpb, finished_at, id`,
  );
  return pickReplicates(succeeded, campaign);
}

/** Pure: the top k distinct configs at the largest budget scale, m new seeds each. */
export function pickReplicates(succeeded: readonly Candidate[], campaign: ConfirmCampaign): Proposal[] {
  const topScale = succeeded[0] ? Number(succeeded[0].budget_scale) : 1;
  const chosen: Candidate[] = [];
  const seen = new Set<string>();
  for (const task of succeeded) {
    if (Number(task.budget_scale) !== topScale || chosen.length >= campaign.confirm_top_k) continue;
    const key = JSON.stringify(canonical(task.config));
    if (seen.has(key)) continue;
    seen.add(key);
    chosen.push(task);
  }
  const rng = new Prng((campaign.seed ^ 0x5eed_c0f1) >>> 0);
  const proposals: Proposal[] = [];
  for (const task of chosen) {
    const used = new Set(succeeded.filter((other) => JSON.stringify(canonical(other.config)) === JSON.stringify(canonical(task.config))).map((other) => other.seed));
    for (let replicate = 1; replicate <= campaign.confirm_seeds; replicate++) {
      let seed = rng.nextUint32() >>> 1;
      while (used.has(seed)) seed = rng.nextUint32() >>> 1;
      used.add(seed);
      proposals.push({
        config: canonical(task.config),
        seed,
        budgetScale: topScale,
        description: `confirm: replicate ${replicate}/${campaign.confirm_seeds} of task #${task.index} (val_bpb ${Number(task.val_bpb).toFixed(4)}) with a new seed`,
        parentTaskId: task.id,
        derivedFrom: { strategy: 'confirm', of: task.id, ofIndex: task.index, replicate, value: Number(task.val_bpb) },
      });
    }
  }
  return proposals;
}
