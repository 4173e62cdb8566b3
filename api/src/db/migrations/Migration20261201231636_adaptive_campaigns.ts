import { Migration } from '@mikro-orm/migrations';

export class Migration20261201231636_adaptive_campaigns extends Migration {

  override name = 'Migration20261201231636_adaptive_campaigns';

  override up(): void | Promise<void> {
    this.addSql(`alter table "campaign" drop constraint "campaign_strategy_check";`);
    this.addSql(`alter table "campaign" add "strategy_options" jsonb not null default '{}', add "confirm_top_k" int not null default 0, add "confirm_seeds" int not null default 0;`);
    this.addSql(`alter table "campaign" add constraint "campaign_strategy_check" check ("strategy" in ('random', 'grid', 'tpe', 'asha', 'local', 'agent'));`);

    this.addSql(`alter table "task" add "budget_scale" double precision not null default 1, add "description" text null, add "parent_task_id" uuid null, add "derived_from" jsonb null, add "role" text not null default 'explore', add "mark" text null, add "mark_against_task_id" uuid null;`);
    this.addSql(`alter table "task" add constraint "task_role_check" check ("role" in ('explore', 'confirm'));`);
    this.addSql(`alter table "task" add constraint "task_mark_check" check ("mark" in ('keep', 'discard', 'crash'));`);
    this.addSql(`create index "task_unmarked_idx" on "task" ("campaign_id") where "mark" is null and "status" in ('succeeded', 'failed');`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "campaign" drop constraint "campaign_strategy_check";`);
    this.addSql(`alter table "campaign" drop column "strategy_options", drop column "confirm_top_k", drop column "confirm_seeds";`);
    this.addSql(`alter table "campaign" add constraint "campaign_strategy_check" check ("strategy" in ('random', 'grid'));`);

    this.addSql(`drop index if exists "task_unmarked_idx";`);
    this.addSql(`alter table "task" drop constraint "task_role_check";`);
    this.addSql(`alter table "task" drop constraint "task_mark_check";`);
    this.addSql(`alter table "task" drop column "budget_scale", drop column "description", drop column "parent_task_id", drop column "derived_from", drop column "role", drop column "mark", drop column "mark_against_task_id";`);
  }

}
