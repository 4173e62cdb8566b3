import { Migration } from '@mikro-orm/migrations';

// Verification by replay: a result's validation and credit state, replica tasks (the same config,
// seed and step count run again on an independent worker), worker reputation, account exclusion,
// the campaign's verification reserve, and clawbacks in the ledger.
export class Migration20261201233000_verification extends Migration {

  override name = 'Migration20261201233000_verification';

  override up(): void | Promise<void> {
    this.addSql(`alter table "task" add column "replica_of_id" uuid null, add column "validation" text null, add column "canonical_result_id" uuid null, add column "excluded_account_ids" text[] null, add column "needs_established" boolean not null default false;`);
    this.addSql(`alter table "task" add constraint "task_replica_of_id_foreign" foreign key ("replica_of_id") references "task" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task" add constraint "task_validation_check" check ("validation" in ('pending', 'valid', 'invalid', 'inconclusive'));`);
    this.addSql(`create index "task_replica_of_id_index" on "task" ("replica_of_id");`);
    // A replica keeps its original's index: only originals are unique per campaign.
    this.addSql(`alter table "task" drop constraint "task_campaign_id_index_unique";`);
    this.addSql(`create unique index "task_campaign_id_index_unique" on "task" ("campaign_id", "index") where "replica_of_id" is null;`);

    this.addSql(`alter table "run_result" add column "validation" text null, add column "credit_state" text null;`); // hardware_class: the compute-budgets migration
    this.addSql(`alter table "run_result" add constraint "run_result_validation_check" check ("validation" in ('pending', 'valid', 'invalid', 'inconclusive'));`);
    // The lease gate counts an unproven worker's results awaiting a verdict: only those rows.
    this.addSql(`create index "run_result_pending_idx" on "run_result" ("worker_id") where "validation" = 'pending';`);
    this.addSql(`alter table "run_result" add constraint "run_result_credit_state_check" check ("credit_state" in ('pending', 'granted', 'none', 'clawed_back'));`);

    this.addSql(`alter table "worker" add column "consecutive_valid" int not null default 0, add column "valid_total" int not null default 0, add column "strikes" int not null default 0, add column "trusted" boolean not null default false, add column "daily_quota" int null, add column "quota_day" date null, add column "quota_used" int not null default 0;`);
    this.addSql(`alter table "account" add column "excluded_at" timestamptz null, add column "excluded_reason" text null;`);
    this.addSql(`alter table "campaign" add column "verification_reserve" bigint not null default '0';`);

    this.addSql(`alter table "ledger_entry" drop constraint "ledger_entry_kind_check";`);
    this.addSql(`alter table "ledger_entry" add constraint "ledger_entry_kind_check" check ("kind" in ('grant', 'escrow', 'payout', 'refund', 'clawback'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "ledger_entry" drop constraint "ledger_entry_kind_check";`);
    this.addSql(`alter table "ledger_entry" add constraint "ledger_entry_kind_check" check ("kind" in ('grant', 'escrow', 'payout', 'refund'));`);
    this.addSql(`alter table "campaign" drop column "verification_reserve";`);
    this.addSql(`alter table "account" drop column "excluded_at", drop column "excluded_reason";`);
    this.addSql(`alter table "worker" drop column "consecutive_valid", drop column "valid_total", drop column "strikes", drop column "trusted", drop column "daily_quota", drop column "quota_day", drop column "quota_used";`);
    this.addSql(`alter table "run_result" drop column "validation", drop column "credit_state";`);
    this.addSql(`delete from "task" where "replica_of_id" is not null;`);
    this.addSql(`drop index "task_campaign_id_index_unique";`);
    this.addSql(`alter table "task" add constraint "task_campaign_id_index_unique" unique ("campaign_id", "index");`);
    this.addSql(`alter table "task" drop column "replica_of_id", drop column "validation", drop column "canonical_result_id", drop column "excluded_account_ids", drop column "needs_established";`);
  }

}
