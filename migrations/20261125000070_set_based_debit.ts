import type { Knex } from 'knex';
import { DEBIT_BATCH_FUNCTION_SQL, DEBIT_FUNCTION_SQL } from './sql/settle-debit';
import { SET_BASED_DEBIT_BATCH_SQL, SET_BASED_DEBIT_ONE_SQL } from './sql/settle-debit-set-based';

/**
 * The debit functions, set-based: a batch writes with one statement per table instead of a
 * dozen statements per debit (bench:debit). Same signatures, same outcomes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(SET_BASED_DEBIT_BATCH_SQL);
  await knex.raw(SET_BASED_DEBIT_ONE_SQL);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(DEBIT_FUNCTION_SQL);
  await knex.raw(DEBIT_BATCH_FUNCTION_SQL);
}
