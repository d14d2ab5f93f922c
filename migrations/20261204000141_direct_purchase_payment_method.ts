import type { Knex } from 'knex';

/**
 * Direct purchases (issue 15): POST /v1/billing/credits/purchase with a saved payment method
 * charges it off-session instead of opening a Checkout Session; the order remembers which one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table payment_orders add column payment_method text null`);
  await knex.raw(`comment on column payment_orders.payment_method is 'saved payment method charged off-session (direct purchase); null = paid on a Checkout page or manually'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table payment_orders drop column if exists payment_method');
}
