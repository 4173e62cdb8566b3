import { Migration } from '@mikro-orm/migrations';

/**
 * The ledger's invariant in the database itself: at commit, every transaction (tx_id) touched by
 * the committing transaction sums to zero, or the commit fails. A deferred constraint trigger sees
 * all of a transaction's rows however many statements wrote them, so no code path (today's or a
 * future one, SQL typed by hand included) can leave an unbalanced posting behind. The function
 * follows MikroORM's <table>_<trigger>_fn naming, and the LedgerEntry entity declares the trigger,
 * so schema diffs know it (it imports the statements from here).
 */
export const LEDGER_BALANCED_FUNCTION = `create function ledger_entry_ledger_tx_balanced_fn() returns trigger language plpgsql as $$
  declare imbalance bigint;
  begin
    select coalesce(sum(amount), 0) into imbalance from ledger_entry where tx_id = new.tx_id;
    if imbalance <> 0 then
      raise exception 'ledger transaction % does not balance: its entries sum to %', new.tx_id, imbalance
        using errcode = 'check_violation', constraint = 'ledger_tx_balanced';
    end if;
    return null;
  end $$`;

export const LEDGER_BALANCED_TRIGGER = `create constraint trigger ledger_tx_balanced after insert or update of amount, tx_id on ledger_entry
  deferrable initially deferred for each row execute function ledger_entry_ledger_tx_balanced_fn()`;

export class Migration20261201195431_ledger_balanced extends Migration {
  override name = 'Migration20261201195431_ledger_balanced';

  override up(): void | Promise<void> {
    this.addSql(LEDGER_BALANCED_FUNCTION);
    this.addSql(LEDGER_BALANCED_TRIGGER);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists ledger_tx_balanced on ledger_entry;`);
    this.addSql(`drop function if exists ledger_entry_ledger_tx_balanced_fn();`);
  }
}
