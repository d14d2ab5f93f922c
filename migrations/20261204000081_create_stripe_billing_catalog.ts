import type { Knex } from 'knex';

/**
 * The Stripe Billing objects Settle created for its paid plans, so subscriptions can name them
 * without asking Stripe, and an edited plan is noticed (its terms no longer match).
 *
 * - stripe_billing_meters: the meter that bills the overage events (one per event name).
 * - stripe_plan_prices: the fee and overage prices made for each version of a plan's terms. Prices
 *   are immutable in Stripe: an edited plan gets new ones (current), existing subscriptions keep
 *   the old ids. stripe_price_id is not unique: stripe-mock answers creates with fixture ids.
 * - stripe_tax_rates: the Stripe tax rates matching the tax treatments Settle's invoices apply.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stripe_billing_meters', (t) => {
    t.text('event_name').primary().comment('STRIPE_METER_EVENT_NAME the meter aggregates');
    t.text('stripe_meter_id').notNullable().comment('mtr_… (found by event name, or created with sum aggregation)');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('last time a worker confirmed it in Stripe');
  });

  await knex.schema.createTable('stripe_plan_prices', (t) => {
    t.bigIncrements('id');
    t.text('plan_id').notNullable().references('plans.id').comment('the plan the price charges for');
    t.text('kind').notNullable().comment('fee (licensed, monthly) | overage (metered, on the meter)');
    t.text('terms').notNullable().comment('what the price charges, e.g. fee:usd:4900/month or overage:usd:0.000001/mtr_…; a plan whose terms differ needs new prices');
    t.text('stripe_price_id').notNullable().comment('price_… (not unique: stripe-mock repeats ids)');
    t.text('stripe_product_id').notNullable().comment('settle_plan_<plan id>');
    t.text('lookup_key').notNullable().comment('settle:<plan>:fee | settle:<plan>:overage; moves to the newest price');
    t.boolean('current').notNullable().defaultTo(true).comment('the price new subscriptions to the plan get; false once the plan was edited');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('last time a worker confirmed it in Stripe');
    t.unique(['plan_id', 'kind', 'terms']);
  });
  await knex.raw(`alter table stripe_plan_prices add constraint stripe_plan_prices_kind check (kind in ('fee', 'overage'))`);
  await knex.raw('create unique index stripe_plan_prices_one_current on stripe_plan_prices (plan_id, kind) where current');

  await knex.schema.createTable('stripe_tax_rates', (t) => {
    t.text('key').primary().comment('<country>:<rate bp>:<name>:exclusive, e.g. DE:1900:VAT:exclusive');
    t.text('stripe_tax_rate_id').notNullable().comment('txr_… (not unique: stripe-mock repeats ids)');
    t.text('country').notNullable().comment('ISO 3166-1 alpha-2 country whose rate it is');
    t.integer('rate_bp').notNullable().comment('basis points, 1900 = 19 %');
    t.text('display_name').notNullable().comment('the tax line label, e.g. VAT');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['stripe_tax_rates', 'stripe_plan_prices', 'stripe_billing_meters']) {
    await knex.schema.dropTableIfExists(table);
  }
}
