import type { Knex } from 'knex';

/**
 * Models priced beyond tokens (seed 002: speech-to-text per audio minute, vision per image) and
 * provider costs for every unit a model is metered in (seed 003's margin control: cache-write
 * and cache-read tokens were priced to customers but cost us nothing on paper).
 *
 * The new usage_items columns are nullable: the debit function copies each line from its JSON
 * (jsonb_populate_recordset), so a writer that does not name them stores null, read as 0.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('models', (t) => {
    t.bigInteger('credit_per_minute').nullable().comment('micro-credits per minute of audio; null = not priced per minute');
    t.bigInteger('credit_per_image').nullable().comment('micro-credits per image; null = not priced per image');
    t.bigInteger('provider_cost_cache_write_per_1m').nullable().comment('micro-USD per 1M cache-write tokens; null = none recorded (0)');
    t.bigInteger('provider_cost_cache_read_per_1m').nullable().comment('micro-USD per 1M cache-read tokens; null = none recorded (0)');
    t.bigInteger('provider_cost_per_minute').nullable().comment('micro-USD per minute of audio; null = none recorded');
    t.bigInteger('provider_cost_per_image').nullable().comment('micro-USD per image; null = none recorded');
  });
  await knex.raw(`alter table models
    add constraint models_unit_rates_nonnegative check (coalesce(credit_per_minute, 0) >= 0 and coalesce(credit_per_image, 0) >= 0)`);
  await knex.schema.alterTable('usage_items', (t) => {
    t.bigInteger('milli_minutes').nullable().comment('audio metered by a model line, in thousandths of a minute; null = 0');
    t.bigInteger('images').nullable().comment('images metered by a model line; null = 0');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('usage_items', (t) => {
    t.dropColumn('milli_minutes');
    t.dropColumn('images');
  });
  await knex.raw('alter table models drop constraint models_unit_rates_nonnegative');
  await knex.schema.alterTable('models', (t) => {
    for (const column of ['credit_per_minute', 'credit_per_image', 'provider_cost_cache_write_per_1m', 'provider_cost_cache_read_per_1m', 'provider_cost_per_minute', 'provider_cost_per_image']) {
      t.dropColumn(column);
    }
  });
}
