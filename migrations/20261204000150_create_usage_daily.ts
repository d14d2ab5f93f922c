import type { Knex } from 'knex';

/**
 * A daily rollup of usage that reports read instead of scanning raw rows (issue 14, items 2-3),
 * filled by src/credits/usage-rollup.ts.
 *
 * - usage_daily: exact sums per account, UTC day of occurred_at and the dimensions reports group
 *   by. `kind = 'event'` rows sum usage_events (what each event was charged: markup, rounding
 *   and overage included); `kind = 'tool' | 'model'` rows sum usage_items (the priced lines).
 *   Key columns keep NULL where the raw rows have NULL (a unique constraint with NULLS NOT
 *   DISTINCT), so a report groups the rollup exactly as it groups the raw rows.
 * - usage_rollup_watermark: one row; every usage event with created_at below it is in usage_daily,
 *   none at or above it. Reports add the raw rows at or above it.
 *
 * Indexes on usage_events.created_at: the sweep takes the oldest rows not rolled up
 * (usage_events_by_created), a report one account's rows not rolled up
 * (usage_events_by_account_created). Lines are reached through their event by primary key, so
 * usage_items needs no new index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('usage_daily', (t) => {
    t.text('account_id').notNullable().comment('the account that used it');
    t.date('day').notNullable().comment('UTC date of occurred_at');
    t.text('kind').notNullable().comment('event (usage_events sums) | tool | model (usage_items sums)');
    t.text('agent').nullable().comment('the agent of the rows; null as in the raw rows');
    t.text('tool').nullable().comment('tool lines: the tool; null otherwise');
    t.text('publisher_id').nullable().comment('tool lines: the tool publisher; null otherwise');
    t.text('model').nullable().comment('model lines: the model; null otherwise');
    t.text('provider').nullable().comment('model lines: the model provider; null otherwise');
    t.bigInteger('lines').notNullable().comment('rows summed: events for kind event, lines otherwise');
    t.bigInteger('quantity').notNullable().comment('Σ quantity (tool executions, 1 per model call); 0 for events');
    t.bigInteger('input_tokens').notNullable().comment('Σ input tokens');
    t.bigInteger('output_tokens').notNullable().comment('Σ output tokens');
    t.bigInteger('cache_write_tokens').notNullable().comment('Σ cache-write tokens');
    t.bigInteger('cache_read_tokens').notNullable().comment('Σ cache-read tokens');
    t.bigInteger('milli_minutes').notNullable().comment('Σ audio in thousandths of a minute (lines); 0 for events');
    t.bigInteger('images').notNullable().comment('Σ images (lines); 0 for events');
    t.bigInteger('credits').notNullable().comment('micro-credits: Σ credits_charged for events, Σ line credits otherwise');
    t.bigInteger('provider_cost').notNullable().comment('Σ provider cost, micro-USD');
    t.bigInteger('markup').notNullable().comment('Σ agent markup, micro-credits (events); 0 for lines');
    t.bigInteger('rounding').notNullable().comment('Σ rounding, micro-credits (events); 0 for lines');
    t.bigInteger('overage').notNullable().comment('Σ overage, micro-credits (events); 0 for lines');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('last sweep that added to this row');
  });
  await knex.raw(`alter table usage_daily
    add constraint usage_daily_key unique nulls not distinct (account_id, day, kind, agent, tool, publisher_id, model, provider),
    add constraint usage_daily_kind check (kind in ('event', 'tool', 'model'))`);
  // the admin margin report reads one month of every account
  await knex.raw('create index usage_daily_by_day on usage_daily (day)');

  await knex.schema.createTable('usage_rollup_watermark', (t) => {
    t.boolean('id').primary().defaultTo(true).comment('always true: one row');
    t.timestamp('rolled_up_before', { useTz: true }).notNullable().comment('usage events created before this are in usage_daily, none after');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table usage_rollup_watermark add constraint usage_rollup_watermark_one_row check (id)');
  // epoch: nothing is rolled up yet, reports read every raw row until the first sweep
  await knex('usage_rollup_watermark').insert({ id: true, rolled_up_before: new Date(0) });

  await knex.raw('create index usage_events_by_created on usage_events (created_at)');
  await knex.raw('create index usage_events_by_account_created on usage_events (account_id, created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists usage_events_by_account_created');
  await knex.raw('drop index if exists usage_events_by_created');
  await knex.schema.dropTableIfExists('usage_rollup_watermark');
  await knex.schema.dropTableIfExists('usage_daily');
}
