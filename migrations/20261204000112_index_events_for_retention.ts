import type { Knex } from 'knex';

/**
 * The outbox retention sweep (src/outgoing-webhooks/retention-sweep.ts) takes the oldest events
 * already fanned out to endpoints, a batch at a time; without this index each batch would scan
 * and sort the whole table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index events_fanned_out_by_age on events (created_at) where fanned_out_at is not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists events_fanned_out_by_age');
}
