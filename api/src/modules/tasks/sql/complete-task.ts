// leased → succeeded: the state change, the recorded result and the payout commit together in one
// statement. The payout is the ledger's transfer (escrow → worker's wallet), embedded so that it
// costs no round trip; no wallet (a simulated result) pays nothing. Recording a result is its own
// CTE, apart from the task's state. Verification adds three values ($13-$15): the result's
// validation and credit state and its hardware class; with verification on the wallet is null (the
// verification service pays once the result is valid) and the task's validation starts pending.
import type { Query } from '../../../db/sql.ts';
import { transferSql } from '../../ledger/transfer.sql.ts';
import type { LeaseClaim, LeaseRow } from '../lease-state.ts';

export interface ResultRecord {
  resultId: string;
  valBpb: number;
  trainLoss: number;
  steps: number;
  wallS: number;
  metricsJson: string | null;
  stdoutTail: string | null;
  simulated: boolean;
  /** null: not verified (verification off, or simulated). */
  validation: 'pending' | 'valid' | null;
  creditState: 'pending' | 'granted' | 'none';
  hardwareClass: string | null;
}

const TEXT = `with done as (
      update task set status = 'succeeded', val_bpb = $1, simulated = $2, hardware_class = $15::text,
        finished_at = now(), updated_at = now(), progress = null, lease_expires_at = null, validation = $13
      where id = $3::uuid and lease_token = $4::uuid and worker_id = $5::uuid and status in ('leased', 'queued')
      returning id, campaign_id, attempts, reward
    ), recorded as (
      insert into run_result (id, task_id, campaign_id, worker_id, lease_token, attempt, outcome, accepted, simulated,
        val_bpb, train_loss, steps, wall_s, metrics, stdout_tail, created_at, validation, credit_state, hardware_class)
      select $6::uuid, d.id, d.campaign_id, $5::uuid, $4::uuid, d.attempts, 'succeeded', true, $2,
        $1, $7, $8, $9, $10::jsonb, $11, now(), $13, $14, $15::text
      from done d
    ), payout as (
      ${transferSql(`select (select e.id from credit_account e where e.campaign_id = d.campaign_id) as from_account,
          $12::uuid as to_account, d.reward as amount, 'payout'::text as kind, 'accepted result'::text as memo,
          d.campaign_id, d.id as task_id
        from done d where $12::uuid is not null`)}
    )
    select campaign_id, reward from done`;

/** wallet: the worker's credit account to pay, or null to pay nothing. */
export function completeTask(claim: LeaseClaim, result: ResultRecord, wallet: string | null): Query<{ campaign_id: string; reward: string | number }> {
  return {
    name: 'xeenet_complete',
    text: TEXT,
    values: [
      result.valBpb,
      result.simulated,
      claim.taskId,
      claim.leaseToken,
      claim.workerId,
      result.resultId,
      result.trainLoss,
      result.steps,
      result.wallS,
      result.metricsJson,
      result.stdoutTail,
      wallet,
      result.validation,
      result.creditState,
      result.hardwareClass,
    ],
  };
}

/** Why a completion matched nothing, and whether this very lease already completed. */
export function completionState(
  claim: LeaseClaim,
): Query<LeaseRow & { campaign_id: string; result_id: string | null; simulated: boolean; reward: string | number; credit_state: string | null }> {
  return {
    name: 'xeenet_completion_state',
    text: `select t.status, t.lease_token, t.worker_id, t.campaign_id, t.simulated, t.reward, r.id as result_id, r.credit_state
      from task t left join run_result r on r.task_id = t.id and r.lease_token = $2::uuid and r.accepted
      where t.id = $1::uuid`,
    values: [claim.taskId, claim.leaseToken],
  };
}
