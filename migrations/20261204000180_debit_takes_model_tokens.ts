import type { Knex } from 'knex';
import { DEBIT_BATCH_OUTBOX_SQL } from './sql/settle-debit-outbox';
import { SET_BASED_DEBIT_ONE_SQL } from './sql/settle-debit-set-based';
import { DEBIT_BATCH_TOKENS_SQL } from './sql/settle-debit-tokens';

/**
 * Model tokens of a metered request are taken from the plan's monthly token allowance in the
 * same call as its credits (./sql/settle-debit-tokens.ts). The one-debit wrapper `settle_debit`
 * goes: a single debit is a batch of one, called with the batch's own argument.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(DEBIT_BATCH_TOKENS_SQL);
  await knex.raw('drop function if exists settle_debit(text, text, bigint, text, text, text, text, text, timestamptz, text, text, jsonb, jsonb, jsonb)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists settle_debit_batch(jsonb)');
  await knex.raw(DEBIT_BATCH_OUTBOX_SQL);
  await knex.raw(SET_BASED_DEBIT_ONE_SQL);
}
