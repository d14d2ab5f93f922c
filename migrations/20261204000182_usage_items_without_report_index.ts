import type { Knex } from 'knex';

/**
 * Reports find usage lines through their event (usage_events' indexes, then the lines' primary
 * key; src/credits/usage-rollup-reads.ts), so the lines' own (account, time) index only cost
 * ~75 bytes per debit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists usage_items_by_time');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create index usage_items_by_time on usage_items (account_id, occurred_at)');
}
