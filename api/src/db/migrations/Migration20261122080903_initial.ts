import { Migration } from '@mikro-orm/migrations';

export class Migration20261122080903_initial extends Migration {

  override name = 'Migration20261122080903_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "account" ("id" uuid not null, "name" varchar(200) not null, "role" text not null, "created_at" timestamptz not null, primary key ("id"));`);

    this.addSql(`create table "artifact" ("sha256" varchar(64) not null, "kind" text not null, "name" varchar(200) not null, "size_bytes" int not null, "media_type" varchar(100) not null, "source" text not null, "source_url" text null, "metadata" jsonb not null, "uploaded_by_id" uuid null, "content" bytea null, "created_at" timestamptz not null, primary key ("sha256"));`);

    this.addSql(`create table "campaign" ("id" uuid not null, "owner_id" uuid not null, "name" varchar(200) not null, "hypothesis" text not null, "script_sha256" varchar(64) not null, "dataset_sha256" varchar(64) not null, "search_space" jsonb not null, "strategy" text not null, "task_count" int not null, "budget_s" int not null, "seed" int not null, "max_attempts" int not null, "priority" int not null default 0, "visibility" text not null default 'private', "allow_simulated" boolean not null default false, "status" text not null default 'running', "cost_credits" bigint not null, "created_at" timestamptz not null, "finished_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "campaign_status_index" on "campaign" ("status");`);
    this.addSql(`create index "campaign_created_at_index" on "campaign" ("created_at");`);

    this.addSql(`create table "credit_account" ("id" uuid not null, "kind" text not null, "account_id" uuid null, "campaign_id" uuid null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "credit_account" add constraint "credit_account_account_id_unique" unique ("account_id");`);
    this.addSql(`alter table "credit_account" add constraint "credit_account_campaign_id_unique" unique ("campaign_id");`);

    this.addSql(`create table "worker" ("id" uuid not null, "account_id" uuid not null, "name" varchar(200) not null, "hardware" jsonb not null, "simulated" boolean not null default false, "slots" int not null default 1, "last_seen_at" timestamptz not null, "created_at" timestamptz not null, primary key ("id"));`);

    this.addSql(`create table "task" ("id" uuid not null, "campaign_id" uuid not null, "index" int not null, "config" jsonb not null, "seed" int not null, "budget_s" int not null, "status" text not null default 'queued', "priority" int not null default 0, "attempts" int not null default 0, "max_attempts" int not null, "reward" bigint not null default '0', "worker_id" uuid null, "lease_token" uuid null, "lease_expires_at" timestamptz null, "leased_at" timestamptz null, "heartbeat_at" timestamptz null, "progress" jsonb null, "failure_reason" text null, "val_bpb" double precision null, "simulated" boolean not null default false, "finished_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "task_campaign_id_status_index" on "task" ("campaign_id", "status");`);
    this.addSql(`create index "task_worker_id_status_index" on "task" ("worker_id", "status");`);
    this.addSql(`create index "task_queue_idx" on "task" ("priority" desc, "created_at", "index") where "status" = 'queued';`);
    this.addSql(`create index "task_lease_expiry_idx" on "task" ("lease_expires_at") where "status" = 'leased';`);
    this.addSql(`alter table "task" add constraint "task_campaign_id_index_unique" unique ("campaign_id", "index");`);

    this.addSql(`create table "ledger_entry" ("id" bigserial primary key, "tx_id" uuid not null, "credit_account_id" uuid not null, "amount" bigint not null, "kind" text not null, "campaign_id" uuid null, "task_id" uuid null, "memo" varchar(500) not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "ledger_entry_tx_id_index" on "ledger_entry" ("tx_id");`);
    this.addSql(`create index "ledger_entry_credit_account_id_index" on "ledger_entry" ("credit_account_id");`);

    this.addSql(`create table "run_result" ("id" uuid not null, "task_id" uuid not null, "campaign_id" uuid not null, "worker_id" uuid null, "lease_token" uuid null, "attempt" int not null, "outcome" text not null, "accepted" boolean not null default false, "simulated" boolean not null default false, "val_bpb" double precision null, "train_loss" double precision null, "steps" int null, "wall_s" double precision null, "metrics" jsonb null, "stdout_tail" text null, "stderr_tail" text null, "error" text null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "run_result_task_id_index" on "run_result" ("task_id");`);
    this.addSql(`create index "run_result_campaign_id_accepted_index" on "run_result" ("campaign_id", "accepted");`);

    this.addSql(`create table "api_token" ("id" uuid not null, "account_id" uuid not null, "worker_id" uuid null, "token_hash" varchar(64) not null, "label" varchar(200) not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "api_token" add constraint "api_token_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "account" add constraint "account_role_check" check ("role" in ('researcher', 'worker', 'admin'));`);

    this.addSql(`alter table "artifact" add constraint "artifact_uploaded_by_id_foreign" foreign key ("uploaded_by_id") references "account" ("id") on delete set null;`);
    this.addSql(`alter table "artifact" add constraint "artifact_kind_check" check ("kind" in ('script', 'dataset'));`);
    this.addSql(`alter table "artifact" add constraint "artifact_source_check" check ("source" in ('builtin', 'url', 'package', 'upload'));`);

    this.addSql(`alter table "campaign" add constraint "campaign_owner_id_foreign" foreign key ("owner_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "campaign" add constraint "campaign_script_sha256_foreign" foreign key ("script_sha256") references "artifact" ("sha256");`);
    this.addSql(`alter table "campaign" add constraint "campaign_dataset_sha256_foreign" foreign key ("dataset_sha256") references "artifact" ("sha256");`);
    this.addSql(`alter table "campaign" add constraint "campaign_strategy_check" check ("strategy" in ('random', 'grid'));`);
    this.addSql(`alter table "campaign" add constraint "campaign_visibility_check" check ("visibility" in ('private', 'public'));`);
    this.addSql(`alter table "campaign" add constraint "campaign_status_check" check ("status" in ('running', 'completed', 'cancelled'));`);

    this.addSql(`alter table "credit_account" add constraint "credit_account_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "credit_account" add constraint "credit_account_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete cascade;`);
    this.addSql(`alter table "credit_account" add constraint "credit_account_kind_check" check ("kind" in ('user', 'escrow', 'mint'));`);

    this.addSql(`alter table "worker" add constraint "worker_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);

    this.addSql(`alter table "task" add constraint "task_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete cascade;`);
    this.addSql(`alter table "task" add constraint "task_worker_id_foreign" foreign key ("worker_id") references "worker" ("id") on delete set null;`);
    this.addSql(`alter table "task" add constraint "task_status_check" check ("status" in ('queued', 'leased', 'succeeded', 'failed', 'cancelled'));`);

    this.addSql(`alter table "ledger_entry" add constraint "ledger_entry_credit_account_id_foreign" foreign key ("credit_account_id") references "credit_account" ("id") on delete cascade;`);
    this.addSql(`alter table "ledger_entry" add constraint "ledger_entry_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete set null;`);
    this.addSql(`alter table "ledger_entry" add constraint "ledger_entry_task_id_foreign" foreign key ("task_id") references "task" ("id") on delete set null;`);
    this.addSql(`alter table "ledger_entry" add constraint "ledger_entry_kind_check" check ("kind" in ('grant', 'escrow', 'payout', 'refund'));`);

    this.addSql(`alter table "run_result" add constraint "run_result_task_id_foreign" foreign key ("task_id") references "task" ("id") on delete cascade;`);
    this.addSql(`alter table "run_result" add constraint "run_result_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on delete cascade;`);
    this.addSql(`alter table "run_result" add constraint "run_result_worker_id_foreign" foreign key ("worker_id") references "worker" ("id") on delete set null;`);
    this.addSql(`alter table "run_result" add constraint "run_result_outcome_check" check ("outcome" in ('succeeded', 'failed', 'expired'));`);

    this.addSql(`alter table "api_token" add constraint "api_token_account_id_foreign" foreign key ("account_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "api_token" add constraint "api_token_worker_id_foreign" foreign key ("worker_id") references "worker" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "artifact" drop constraint "artifact_uploaded_by_id_foreign";`);
    this.addSql(`alter table "campaign" drop constraint "campaign_owner_id_foreign";`);
    this.addSql(`alter table "credit_account" drop constraint "credit_account_account_id_foreign";`);
    this.addSql(`alter table "worker" drop constraint "worker_account_id_foreign";`);
    this.addSql(`alter table "api_token" drop constraint "api_token_account_id_foreign";`);
    this.addSql(`alter table "campaign" drop constraint "campaign_script_sha256_foreign";`);
    this.addSql(`alter table "campaign" drop constraint "campaign_dataset_sha256_foreign";`);
    this.addSql(`alter table "credit_account" drop constraint "credit_account_campaign_id_foreign";`);
    this.addSql(`alter table "task" drop constraint "task_campaign_id_foreign";`);
    this.addSql(`alter table "ledger_entry" drop constraint "ledger_entry_campaign_id_foreign";`);
    this.addSql(`alter table "run_result" drop constraint "run_result_campaign_id_foreign";`);
    this.addSql(`alter table "ledger_entry" drop constraint "ledger_entry_credit_account_id_foreign";`);
    this.addSql(`alter table "task" drop constraint "task_worker_id_foreign";`);
    this.addSql(`alter table "run_result" drop constraint "run_result_worker_id_foreign";`);
    this.addSql(`alter table "api_token" drop constraint "api_token_worker_id_foreign";`);
    this.addSql(`alter table "ledger_entry" drop constraint "ledger_entry_task_id_foreign";`);
    this.addSql(`alter table "run_result" drop constraint "run_result_task_id_foreign";`);

    this.addSql(`drop table if exists "account" cascade;`);
    this.addSql(`drop table if exists "artifact" cascade;`);
    this.addSql(`drop table if exists "campaign" cascade;`);
    this.addSql(`drop table if exists "credit_account" cascade;`);
    this.addSql(`drop table if exists "worker" cascade;`);
    this.addSql(`drop table if exists "task" cascade;`);
    this.addSql(`drop table if exists "ledger_entry" cascade;`);
    this.addSql(`drop table if exists "run_result" cascade;`);
    this.addSql(`drop table if exists "api_token" cascade;`);
  }

}
