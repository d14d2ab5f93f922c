import type { Knex } from 'knex';

/**
 * What usage is priced from: tools (publisher-set price per execution), models (credit rates per
 * 1M tokens of each kind, seed 001) and credit packages (seed 004). Credits are micro-credits.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tools', (t) => {
    t.text('id').primary().comment('tool id as clients name it, e.g. stripe.customers.create');
    t.text('publisher_id').nullable().references('publishers.id').comment('who earns the revenue share; null = platform tool');
    t.bigInteger('credits_per_execution').notNullable().comment('price of one execution, micro-credits');
    t.text('description').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table tools add constraint tools_price_nonnegative check (credits_per_execution >= 0)');

  await knex.schema.createTable('models', (t) => {
    t.text('name').primary().comment('canonical model name');
    t.text('provider').notNullable().comment('e.g. anthropic, openai');
    t.specificType('aliases', 'text[]').notNullable().defaultTo('{}').comment('other names clients may send');
    t.bigInteger('credit_input_per_1m').nullable().comment('micro-credits per 1M input tokens; null with output null = model not priced');
    t.bigInteger('credit_output_per_1m').nullable().comment('micro-credits per 1M output tokens');
    t.bigInteger('credit_cache_write_per_1m').nullable().comment('micro-credits per 1M cache-write tokens; null = input rate');
    t.bigInteger('credit_cache_read_per_1m').nullable().comment('micro-credits per 1M cache-read tokens; null = input rate');
    t.bigInteger('provider_cost_input_per_1m').nullable().comment('what the provider charges us: micro-USD per 1M input tokens');
    t.bigInteger('provider_cost_output_per_1m').nullable().comment('micro-USD per 1M output tokens');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('packages', (t) => {
    t.text('id').primary().comment('package slug: starter, pro, teams');
    t.bigInteger('credits').notNullable().comment('credits granted, micro-credits');
    t.bigInteger('price_minor').notNullable().comment('price in minor units');
    t.text('currency').notNullable().defaultTo('usd');
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex('packages').insert([
    { id: 'starter', credits: 25_000_000, price_minor: 2500, currency: 'usd' },
    { id: 'pro', credits: 100_000_000, price_minor: 9000, currency: 'usd' },
    { id: 'teams', credits: 500_000_000, price_minor: 40000, currency: 'usd' },
  ]);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['packages', 'models', 'tools']) await knex.schema.dropTableIfExists(table);
}
