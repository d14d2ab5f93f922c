import type { Knex } from 'knex';

/**
 * A debit whose request sent no Idempotency-Key stores no key: such a request can never be
 * replayed, and its made-up key cost ~40 bytes of row and ~120 bytes of index per debit. Keys a
 * client gave stay unique per account, through a partial unique index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table ledger_entries alter column idempotency_key drop not null;
    create unique index ledger_entries_by_given_key on ledger_entries (account_id, idempotency_key) where idempotency_key is not null;
    alter table ledger_entries drop constraint ledger_entries_account_id_idempotency_key_unique;`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table ledger_entries disable trigger ledger_entries_no_update; -- append-only, except to undo this
    update ledger_entries set idempotency_key = 'auto:' || id where idempotency_key is null;
    alter table ledger_entries enable trigger ledger_entries_no_update;
    alter table ledger_entries alter column idempotency_key set not null;
    alter table ledger_entries add constraint ledger_entries_account_id_idempotency_key_unique unique (account_id, idempotency_key);
    drop index ledger_entries_by_given_key;`);
}
