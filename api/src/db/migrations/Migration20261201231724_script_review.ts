import { Migration } from '@mikro-orm/migrations';

export class Migration20261201231724_script_review extends Migration {

  override name = 'Migration20261201231724_script_review';

  override up(): void | Promise<void> {
    this.addSql(`create table "script" ("id" uuid not null, "artifact_sha256" varchar(64) not null, "name" varchar(200) not null, "version" int not null, "description" text not null, "search_space" jsonb not null, "budget_kinds" jsonb not null, "parent_id" uuid null, "owner_id" uuid null, "origin" text not null, "review_state" text not null, "review_reason" text null, "reviewed_by_id" uuid null, "reviewed_at" timestamptz null, "check" jsonb null, "signature" text null, "signing_key_id" varchar(64) null, "signed_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "script_owner_id_index" on "script" ("owner_id");`);
    this.addSql(`create index "script_review_state_index" on "script" ("review_state");`);
    this.addSql(`alter table "script" add constraint "script_owner_id_name_version_unique" unique ("owner_id", "name", "version");`);

    // Registration at start is idempotent per built-in's bytes; an owner's identical upload is the same script.
    this.addSql(`create unique index "script_builtin_artifact_unique" on "script" ("artifact_sha256") where "origin" = 'builtin';`);
    this.addSql(`create unique index "script_builtin_name_version_unique" on "script" ("name", "version") where "origin" = 'builtin';`);
    this.addSql(`create unique index "script_owner_artifact_unique" on "script" ("owner_id", "artifact_sha256") where "owner_id" is not null;`);

    this.addSql(`create table "task_refusal" ("task_id" uuid not null, "worker_id" uuid not null, "code" varchar(64) not null, "reason" text not null, "created_at" timestamptz not null, primary key ("task_id", "worker_id"));`);
    this.addSql(`create index "task_refusal_worker_id_index" on "task_refusal" ("worker_id");`);

    this.addSql(`alter table "account" drop constraint "account_role_check";`);
    this.addSql(`alter table "account" add constraint "account_role_check" check ("role" in ('researcher', 'worker', 'admin', 'reviewer'));`);

    this.addSql(`alter table "campaign" add "training_script_id" uuid null, add "own_machines_only" boolean not null default false;`);
    this.addSql(`create index "campaign_training_script_id_index" on "campaign" ("training_script_id");`);
    this.addSql(`alter table "campaign" add constraint "campaign_training_script_id_foreign" foreign key ("training_script_id") references "script" ("id") on delete set null;`);

    this.addSql(`alter table "script" add constraint "script_artifact_sha256_foreign" foreign key ("artifact_sha256") references "artifact" ("sha256");`);
    this.addSql(`alter table "script" add constraint "script_parent_id_foreign" foreign key ("parent_id") references "script" ("id") on delete set null;`);
    this.addSql(`alter table "script" add constraint "script_owner_id_foreign" foreign key ("owner_id") references "account" ("id") on delete cascade;`);
    this.addSql(`alter table "script" add constraint "script_reviewed_by_id_foreign" foreign key ("reviewed_by_id") references "account" ("id") on delete set null;`);
    this.addSql(`alter table "script" add constraint "script_origin_check" check ("origin" in ('builtin', 'upload'));`);
    this.addSql(`alter table "script" add constraint "script_review_state_check" check ("review_state" in ('pending_review', 'approved', 'rejected'));`);

    this.addSql(`alter table "task_refusal" add constraint "task_refusal_task_id_foreign" foreign key ("task_id") references "task" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "task_refusal" add constraint "task_refusal_worker_id_foreign" foreign key ("worker_id") references "worker" ("id") on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "script" drop constraint "script_parent_id_foreign";`);
    this.addSql(`alter table "campaign" drop constraint "campaign_training_script_id_foreign";`);

    this.addSql(`drop table if exists "script" cascade;`);
    this.addSql(`drop table if exists "task_refusal" cascade;`);

    this.addSql(`alter table "account" drop constraint "account_role_check";`);
    this.addSql(`alter table "account" add constraint "account_role_check" check ("role" in ('researcher', 'worker', 'admin'));`);

    this.addSql(`alter table "campaign" drop column "training_script_id", drop column "own_machines_only";`);
  }

}
