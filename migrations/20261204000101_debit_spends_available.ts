import type { Knex } from 'knex';
import { DEBIT_BATCH_HOLDS_SQL } from './sql/settle-debit-holds';
import { SET_BASED_DEBIT_BATCH_SQL } from './sql/settle-debit-set-based';

/**
 * Debits of hard-limit accounts spend only what holds leave available (spendable grants − active
 * holds). Same signature, same outcomes; `settle_debit` (a batch of one) calls the new version.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(DEBIT_BATCH_HOLDS_SQL);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(SET_BASED_DEBIT_BATCH_SQL);
}
