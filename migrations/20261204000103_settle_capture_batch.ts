import type { Knex } from 'knex';
import { SETTLE_CAPTURE_BATCH_SQL } from './sql/settle-capture';

/**
 * Hold captures in one database call per micro-batch (`settle_capture_batch`), instead of a
 * transaction of about eleven round trips per capture. It debits through whichever
 * `settle_debit_batch` is installed, so later versions of the debit apply to captures too.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(SETTLE_CAPTURE_BATCH_SQL);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function settle_capture_batch(jsonb)');
}
