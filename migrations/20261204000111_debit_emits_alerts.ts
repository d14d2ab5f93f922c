import type { Knex } from 'knex';
import { DEBIT_BATCH_HOLDS_SQL } from './sql/settle-debit-holds';
import { DEBIT_BATCH_OUTBOX_SQL } from './sql/settle-debit-outbox';

/**
 * Debits write usage alerts (threshold crossings, low balance, the first 402 of a period) into
 * the events outbox in the same call. Same signature and result columns.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(DEBIT_BATCH_OUTBOX_SQL);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(DEBIT_BATCH_HOLDS_SQL);
}
