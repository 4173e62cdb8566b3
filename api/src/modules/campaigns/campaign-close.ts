// Closing a campaign: no live task left, and either every task of its budget was created or its
// loop has nothing more to propose. Verification replicas are not part of the task budget. Closing and refunding the unspent escrow commit together.
import { type Db, firstRow, rows, sql } from '../../db/sql.ts';
import { LedgerService } from '../ledger/ledger.service.ts';

/** Running campaigns the reaper may close: nothing live and the whole task budget created. */
export async function finishedCampaignIds(em: Db): Promise<string[]> {
  const found = await rows<{ id: string }>(
    em,
    sql`select c.id from campaign c
        where c.status = 'running'
          and not exists (select 1 from task t where t.campaign_id = c.id and t.status in ('queued', 'leased'))
          and (select count(*) from task t where t.campaign_id = c.id and t.replica_of_id is null) >= c.task_count`,
  );
  return found.map((row) => row.id);
}

/**
 * Completes the campaign inside `tx` when nothing of it is live; returns its owner, or null when
 * it was not closed. `budgetSpent`: also require the whole task budget to have been created (the
 * reaper's rule; the loop closes earlier when its strategy has nothing more to propose).
 */
export async function closeCampaign(tx: Db, campaignId: string, options: { budgetSpent: boolean }): Promise<string | null> {
  const row = await firstRow<{ owner_id: string }>(
    tx,
    sql`update campaign c set status = 'completed', finished_at = now()
        where c.id = ${campaignId}::uuid and c.status = 'running'
          and not exists (select 1 from task t where t.campaign_id = c.id and t.status in ('queued', 'leased'))
          and (not ${options.budgetSpent}::boolean or (select count(*) from task t where t.campaign_id = c.id and t.replica_of_id is null) >= c.task_count)
        returning c.owner_id`,
  );
  if (row) await new LedgerService(tx).refundRemainder(campaignId, row.owner_id);
  return row?.owner_id ?? null;
}
