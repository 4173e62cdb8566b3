import { Migration } from '@mikro-orm/migrations';

export class Migration20261201200115_artifact_uploads extends Migration {

  override name = 'Migration20261201200115_artifact_uploads';

  override up(): void | Promise<void> {
    this.addSql(`create table "artifact_upload" ("artifact_sha256" varchar(64) not null, "account_id" uuid not null, "created_at" timestamptz not null, primary key ("artifact_sha256", "account_id"));`);
    this.addSql(`create index "artifact_upload_account_id_index" on "artifact_upload" ("account_id");`);

    this.addSql(`alter table "artifact_upload" add constraint "artifact_upload_artifact_sha256_foreign" foreign key ("artifact_sha256") references "artifact" ("sha256") on update cascade on delete cascade;`);
    this.addSql(`alter table "artifact_upload" add constraint "artifact_upload_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`);
    // Uploads made before this table existed: their first uploader.
    this.addSql(`insert into "artifact_upload" ("artifact_sha256", "account_id", "created_at") select "sha256", "uploaded_by_id", "created_at" from "artifact" where "source" = 'upload' and "uploaded_by_id" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "artifact_upload" cascade;`);
  }

}
