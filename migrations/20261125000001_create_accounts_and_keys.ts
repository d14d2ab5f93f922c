import type { Knex } from 'knex';

/**
 * Who can call Settle: plans (the catalog's tiers), accounts (a customer or team), publishers
 * (tool publishers paid through Stripe Connect) and the hashed API keys of both.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('plans', (t) => {
    t.text('id').primary().comment('plan slug: free, pro, enterprise');
    t.text('name').notNullable().comment('display name');
    t.bigInteger('monthly_price_minor').notNullable().defaultTo(0).comment('subscription fee per month, minor units');
    t.text('currency').notNullable().defaultTo('usd').comment('ISO 4217, lower case');
    t.bigInteger('included_credits_micro').notNullable().defaultTo(0).comment('credits granted each period, micro-credits');
    t.bigInteger('included_tokens').notNullable().defaultTo(0).comment('tokens granted each period');
    t.boolean('overage_allowed').notNullable().defaultTo(false).comment('false: hard limit (402); true: usage beyond grants becomes overage');
    t.bigInteger('overage_price_minor_per_credit').notNullable().defaultTo(0).comment('overage price in minor units per whole credit');
    t.integer('agent_limit').nullable().comment('max distinct agents per account; null = unlimited');
    t.decimal('rollover_fraction', 6, 5).notNullable().defaultTo(0).comment('share of unused included credits carried into the next period');
    t.jsonb('features').notNullable().defaultTo('[]').comment('marketing feature list for /v1/plans');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('accounts', (t) => {
    t.text('id').primary().comment('acct_…');
    t.text('name').notNullable();
    t.text('email').nullable();
    t.text('plan_id').notNullable().references('plans.id').comment('current plan');
    // Not unique in the database: stripe-mock answers every customer create with the same fixture
    // id. The admin API refuses a customer id that another account already has.
    t.text('stripe_customer_id').nullable().index().comment('Stripe customer, created on first purchase or given by the admin');
    t.timestamp('period_start', { useTz: true }).notNullable().comment('start of the open billing period (UTC month)');
    t.timestamp('period_end', { useTz: true }).notNullable().comment('end of the open billing period, exclusive');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('publishers', (t) => {
    t.text('id').primary().comment('pub_…');
    t.text('name').notNullable();
    t.text('stripe_account_id').nullable().unique().comment('Stripe Connect account receiving payouts');
    t.decimal('revenue_share', 6, 5).notNullable().defaultTo(0.8).comment('publisher share of credits spent on its tools');
    t.boolean('transfers_enabled').notNullable().defaultTo(false).comment('from account.updated webhooks or the admin');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.text('id').primary().comment('key_…, public handle used to revoke');
    t.text('key_hash').notNullable().unique().comment('sha256 of the secret; the secret is shown once');
    t.text('prefix').notNullable().comment('first characters of the secret, to recognise it in lists');
    t.text('role').notNullable().comment('account | publisher');
    t.text('account_id').nullable().references('accounts.id');
    t.text('publisher_id').nullable().references('publishers.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true }).nullable();
  });
  await knex.raw(`alter table api_keys add constraint api_keys_owner check (
    (role = 'account' and account_id is not null and publisher_id is null) or
    (role = 'publisher' and publisher_id is not null and account_id is null))`);

  await knex.schema.createTable('system_checks', (t) => {
    t.text('id').primary().comment('the workflow id that wrote it');
    t.text('note').notNullable();
    t.timestamp('checked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex('plans').insert([
    { id: 'free', name: 'Free', monthly_price_minor: 0, included_credits_micro: 100_000_000, included_tokens: 10_000, overage_allowed: false, agent_limit: 1, features: JSON.stringify(['100 credits/month', 'Access to all tools', 'Basic memory storage', '1 agent']) },
    { id: 'pro', name: 'Pro', monthly_price_minor: 4900, included_credits_micro: 10_000_000_000, included_tokens: 2_000_000, overage_allowed: true, overage_price_minor_per_credit: 1, agent_limit: null, features: JSON.stringify(['10,000 credits/month', 'Access to all tools', 'Unlimited memory storage', 'Unlimited agents', 'Priority support']) },
    { id: 'enterprise', name: 'Enterprise', monthly_price_minor: 0, included_credits_micro: 0, included_tokens: 0, overage_allowed: true, overage_price_minor_per_credit: 1, agent_limit: null, features: JSON.stringify(['Custom credit volume', 'Volume discounts', 'Dedicated support', 'SLA guarantees', 'Private deployments']) },
  ]);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['system_checks', 'api_keys', 'publishers', 'accounts', 'plans']) {
    await knex.schema.dropTableIfExists(table);
  }
}
