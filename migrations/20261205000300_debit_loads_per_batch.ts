import type { Knex } from 'knex';
import { DEBIT_BATCH_ONE_ROW_SQL } from './sql/settle-debit-one-row';
import { DEBIT_BATCH_PRELOADED_SQL } from './sql/settle-debit-preloaded';

/**
 * settle_debit_batch reads the batch's accounts with three statements for the whole batch (their
 * locked credits balances with plan terms, their spendable credit grants, their held sums) instead
 * of three per account (./sql/settle-debit-preloaded.ts). What it decides and writes is unchanged.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(DEBIT_BATCH_PRELOADED_SQL);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(DEBIT_BATCH_ONE_ROW_SQL);
}
