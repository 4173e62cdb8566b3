import { Migration } from '@mikro-orm/migrations';

export class Migration20261201231810_compute_budgets extends Migration {

  override name = 'Migration20261201231810_compute_budgets';

  override up(): void | Promise<void> {
    this.addSql(`alter table "campaign" add "budget_kind" text not null default 'wall', add "budget_unit" text null, add "budget_amount" double precision null, add "budget_hardware" text null;`);
    this.addSql(`alter table "campaign" add constraint "campaign_budget_kind_check" check ("budget_kind" in ('wall', 'compute'));`);
    this.addSql(`alter table "campaign" add constraint "campaign_budget_unit_check" check ("budget_unit" in ('tokens', 'flops'));`);
    this.addSql(`alter table "campaign" add constraint "campaign_budget_hardware_check" check ("budget_hardware" in ('cpu', 'gpu'));`);

    this.addSql(`alter table "worker" add "tokens_per_s" double precision null, add "flops_per_s" double precision null, add "speed_source" text null, add "speed_measured_at" timestamptz null;`);
    this.addSql(`alter table "worker" add constraint "worker_speed_source_check" check ("speed_source" in ('calibration', 'tasks'));`);

    this.addSql(`alter table "task" add "budget_kind" text not null default 'wall', add "budget_unit" text null, add "budget_amount" double precision null, add "device_class" text null, add "lease_cap_s" int null, add "hardware_class" varchar(300) null;`);
    this.addSql(`alter table "task" add constraint "task_budget_kind_check" check ("budget_kind" in ('wall', 'compute'));`);
    this.addSql(`alter table "task" add constraint "task_budget_unit_check" check ("budget_unit" in ('tokens', 'flops'));`);
    this.addSql(`alter table "task" add constraint "task_device_class_check" check ("device_class" in ('cpu', 'gpu'));`);

    this.addSql(`alter table "run_result" add "hardware_class" varchar(300) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "campaign" drop constraint "campaign_budget_kind_check";`);
    this.addSql(`alter table "campaign" drop constraint "campaign_budget_unit_check";`);
    this.addSql(`alter table "campaign" drop constraint "campaign_budget_hardware_check";`);
    this.addSql(`alter table "campaign" drop column "budget_kind", drop column "budget_unit", drop column "budget_amount", drop column "budget_hardware";`);

    this.addSql(`alter table "run_result" drop column "hardware_class";`);

    this.addSql(`alter table "task" drop constraint "task_budget_kind_check";`);
    this.addSql(`alter table "task" drop constraint "task_budget_unit_check";`);
    this.addSql(`alter table "task" drop constraint "task_device_class_check";`);
    this.addSql(`alter table "task" drop column "budget_kind", drop column "budget_unit", drop column "budget_amount", drop column "device_class", drop column "lease_cap_s", drop column "hardware_class";`);

    this.addSql(`alter table "worker" drop constraint "worker_speed_source_check";`);
    this.addSql(`alter table "worker" drop column "tokens_per_s", drop column "flops_per_s", drop column "speed_source", drop column "speed_measured_at";`);
  }

}
