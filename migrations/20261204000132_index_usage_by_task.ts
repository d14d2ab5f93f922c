import type { Knex } from 'knex';

/**
 * Per-task totals (seeds 001 and 002: a task's creditsUsed, a conversation's running total):
 * the task's events are found by this index, which also carries what the totals sum, so
 * summing a task reads the index alone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index usage_events_by_task on usage_events (account_id, task_id)
    include (credits_charged, ledger_entry_id, occurred_at) where task_id is not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists usage_events_by_task');
}
