import type { Knex } from 'knex';

/**
 * Token packs (issue 15): tokens one can buy outright, next to the monthly token allowance of a
 * plan. A pack is bought through the same payment orders and checkoutToCredit workflow as credit
 * purchases, so payment_orders learns which unit it grants.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('token_packs', (t) => {
    t.text('id').primary().comment('pack slug, e.g. tokens-1m');
    t.bigInteger('tokens').notNullable().comment('tokens granted (whole tokens, the token ledger unit)');
    t.bigInteger('price_minor').notNullable().comment('price in minor units');
    t.text('currency').notNullable().defaultTo('usd');
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table token_packs add constraint token_packs_terms check (tokens > 0 and price_minor > 0)');
  await knex('token_packs').insert([
    { id: 'tokens-1m', tokens: 1_000_000, price_minor: 1000, currency: 'usd' },
    { id: 'tokens-5m', tokens: 5_000_000, price_minor: 4500, currency: 'usd' },
    { id: 'tokens-25m', tokens: 25_000_000, price_minor: 20000, currency: 'usd' },
  ]);

  // Existing orders all bought credits; the quantity column keeps its name and holds the unit's amount.
  await knex.raw(`alter table payment_orders add column unit text not null default 'credits',
    add constraint payment_orders_unit check (unit in ('credits', 'tokens'))`);
  await knex.raw(`comment on column payment_orders.unit is 'what the order grants: credits (micro-credits in credits) or tokens (whole tokens in credits)'`);
  await knex.raw(`comment on column payment_orders.credits is 'quantity to grant when paid, in the order''s unit: micro-credits, or whole tokens for a token pack'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table payment_orders drop column if exists unit');
  await knex.schema.dropTableIfExists('token_packs');
}
