import type { Knex } from 'knex';

/**
 * Auto-recharge (PUT /v1/billing/auto-recharge): when a debit leaves an account's balance under
 * its threshold, one off-session charge of the saved payment method buys more credits.
 *
 * - auto_recharge_settings: one row per account that ever configured it.
 * - auto_recharge_attempts: one row per charge tried, numbered per account. `n` keys the Stripe
 *   PaymentIntent (`auto-recharge:<account>:<n>`) and the ledger entry of its credits, and the
 *   amount is fixed when the attempt is committed, so every retry sends the same request. At most
 *   one attempt per account is pending (partial unique index): never two charges in flight.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('auto_recharge_settings', (t) => {
    t.text('account_id').primary().references('accounts.id').comment('the account whose balance is watched');
    t.boolean('enabled').notNullable().comment('false keeps the amounts but charges nothing');
    t.bigInteger('threshold').notNullable().comment('a debit leaving the credit balance below this starts a recharge, micro-credits');
    t.bigInteger('recharge').notNullable().comment('credits one recharge buys, micro-credits (at least the purchase minimum)');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('last change by the account');
  });
  await knex.raw(`alter table auto_recharge_settings add constraint auto_recharge_amounts_positive check (threshold > 0 and recharge > 0)`);

  await knex.schema.createTable('auto_recharge_attempts', (t) => {
    t.text('account_id').notNullable().references('accounts.id').comment('the account charged');
    t.integer('n').notNullable().comment('1, 2, … per account; in the idempotency keys auto-recharge:<account>:<n>');
    t.text('status').notNullable().defaultTo('pending').comment('pending (charge in flight) | succeeded | failed');
    t.bigInteger('credits').notNullable().comment('credits this attempt buys, micro-credits (the setting when it was committed)');
    t.bigInteger('amount_minor').notNullable().comment('price charged, minor units (credits × CREDIT_UNIT_PRICE when committed)');
    t.text('currency').notNullable().comment('ISO 4217, lower case');
    t.text('crossing_entry_id').nullable().comment('the debit ledger entry that crossed the threshold (no FK: informational)');
    t.text('payment_intent_id').nullable().comment('Stripe PaymentIntent (pi_…), once Stripe answered');
    t.text('failure_reason').nullable().comment('why no credits were bought (decline, no saved payment method, …)');
    t.text('ledger_entry_id').nullable().references('ledger_entries.id').comment('the purchase entry of the credits, when succeeded');
    t.text('invoice_id').nullable().references('invoices.id').comment('the invoice of the purchase, once issued');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('when the attempt was committed');
    t.timestamp('finished_at', { useTz: true }).nullable().comment('when it succeeded or failed');
    t.primary(['account_id', 'n']);
  });
  await knex.raw(`alter table auto_recharge_attempts add constraint auto_recharge_status check (status in ('pending', 'succeeded', 'failed'))`);
  await knex.raw(`create unique index auto_recharge_one_pending on auto_recharge_attempts (account_id) where status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('auto_recharge_attempts');
  await knex.schema.dropTableIfExists('auto_recharge_settings');
}
