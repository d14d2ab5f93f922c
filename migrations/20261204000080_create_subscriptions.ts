import type { Knex } from 'knex';

/**
 * Subscriptions: one row per account that ever subscribed to a paid plan (on Stripe Billing or
 * set by an admin), kept current by the account's `subscription:<account id>` workflow. The
 * account's `plan_id` stays the plan whose limits apply now (the debit path reads it); this row
 * holds what the customer subscribed to, what changes at period end, and dunning.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('subscriptions', (t) => {
    t.text('account_id').primary().references('accounts.id');
    t.text('plan_id').notNullable().references('plans.id').comment('the subscribed plan (may differ from accounts.plan_id while suspended by dunning)');
    t.text('status').notNullable().defaultTo('incomplete').comment('incomplete | active | trialing | past_due | canceled');
    t.text('pending_plan').nullable().references('plans.id').comment('plan taking effect at the end of the current period (downgrade)');
    t.boolean('cancel_at_period_end').notNullable().defaultTo(false).comment('falls back to free at period end');
    t.timestamp('current_period_start', { useTz: true }).nullable();
    t.timestamp('current_period_end', { useTz: true }).nullable();
    t.text('stripe_subscription_id').nullable().comment('null for admin-managed plans (no Stripe)');
    t.text('stripe_customer_id').nullable();
    t.text('fee_price_id').nullable().comment('Stripe price of the monthly fee this subscription pays (kept when the plan is edited)');
    t.text('overage_price_id').nullable().comment('Stripe metered price of the overage');
    t.jsonb('latest_invoice').nullable().comment('{id, status, amount_due} of the latest Stripe invoice');
    t.bigInteger('stripe_state_at').nullable().comment('Stripe time (epoch seconds) of the newest state applied; older events never roll state back');
    t.integer('plan_changes').notNullable().defaultTo(0).comment('count of applied plan changes; numbers the keys of their grants');
    t.timestamp('past_due_since', { useTz: true }).nullable().comment('first unpaid invoice failure of the current dunning');
    t.text('suspended_period').nullable().comment('YYYY-MM in which dunning dropped the account to free limits; null = not suspended');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index subscriptions_by_stripe_id on subscriptions (stripe_subscription_id) where stripe_subscription_id is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('subscriptions');
}
