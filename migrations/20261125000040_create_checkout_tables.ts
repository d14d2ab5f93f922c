import type { Knex } from 'knex';

/**
 * Checkout to credit (seed 003: "balance credit is applied only after the signed payment webhook").
 *
 * - payment_orders: one purchase of credits, by Stripe Checkout or manual settlement. Our id
 *   (pur_…) keys everything: the Checkout Session's client_reference_id and metadata, the
 *   workflow id `checkout:<id>`, the Stripe idempotency keys and the ledger idempotency key.
 * - stripe_events: the webhook inbox, one row per Stripe event id; the endpoint answers 2xx right
 *   after this insert and the dispatcher marks the row processed.
 * - refunds: one row per Stripe refund of a purchase, from an admin request or from Stripe itself;
 *   the refund workflow `refund:<id>` claws back the unspent credits once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payment_orders', (t) => {
    t.text('id').primary().comment('pur_…; travels as client_reference_id and metadata.purchase_id');
    t.text('account_id').notNullable().references('accounts.id').comment('who buys the credits');
    t.text('source').notNullable().comment('checkout (Stripe Checkout) | manual (admin payment order, seed 003)');
    t.text('status').notNullable().defaultTo('pending').comment('pending | fulfilled | review | failed | expired | refunded');
    t.text('package_id').nullable().comment('catalog package bought, if any (no FK: packages may be retired)');
    t.bigInteger('credits').notNullable().comment('credits to grant when paid, micro-credits');
    t.bigInteger('amount_due_minor').notNullable().comment('price the customer must pay, minor units');
    t.text('currency').notNullable().comment('ISO 4217, lower case');
    t.text('idempotency_key').nullable().comment('req:<Idempotency-Key> of the creating request, unique per account');
    t.text('request_hash').nullable().comment('sha256 of the creating request; same key + other hash = 409');
    t.text('stripe_customer_id').nullable().comment('customer the session was created for');
    t.text('stripe_session_id').nullable().comment('Checkout Session id (not unique: stripe-mock repeats ids)');
    t.text('checkout_url').nullable().comment('hosted payment page; null until the session exists');
    t.timestamp('expires_at', { useTz: true }).nullable().comment('when the Checkout Session expires; null for manual orders');
    t.text('stripe_payment_intent').nullable().comment('payment intent from the signed event; refunds are made against it');
    t.boolean('awaiting_async_payment').notNullable().defaultTo(false).comment('completed with payment_status unpaid: a delayed method is settling');
    t.text('payment_reference').nullable().comment('manual settlement reference (bank transfer id, …) or the payment intent');
    t.text('paid_event_id').nullable().comment('the event that settled the order (evt_…, manual:…, reconcile:…)');
    t.bigInteger('amount_charged_minor').nullable().comment('amount the payment event reports, minor units');
    t.text('charged_currency').nullable().comment('currency the payment event reports');
    t.text('review_reason').nullable().comment('why the order needs a human (amount or currency mismatch, unpaid status)');
    t.text('failure_reason').nullable().comment('why the order failed (async payment failed, checkout could not be created)');
    t.bigInteger('credits_added').notNullable().defaultTo(0).comment('credits granted by this order, micro-credits');
    t.text('grant_id').nullable().references('grants.id').comment('the purchased grant (grants.source = purchase:<id>)');
    t.text('ledger_entry_id').nullable().references('ledger_entries.id').comment('the purchase ledger entry');
    t.text('invoice_id').nullable().comment('invoice issued for the purchase (issueInvoice child workflow)');
    t.bigInteger('amount_refunded_minor').notNullable().defaultTo(0).comment('Σ applied refunds, minor units');
    t.bigInteger('credits_clawed_back').notNullable().defaultTo(0).comment('Σ credits taken back by refunds, micro-credits');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('settled_at', { useTz: true }).nullable().comment('when it left pending');
  });
  await knex.raw(`alter table payment_orders
    add constraint payment_orders_source check (source in ('checkout', 'manual')),
    add constraint payment_orders_status check (status in ('pending', 'fulfilled', 'review', 'failed', 'expired', 'refunded')),
    add constraint payment_orders_credits check (credits > 0),
    add constraint payment_orders_amount check (amount_due_minor > 0),
    add constraint payment_orders_refunded check (amount_refunded_minor >= 0 and credits_clawed_back >= 0)`);
  await knex.raw(`create unique index payment_orders_idempotency on payment_orders (account_id, idempotency_key) where idempotency_key is not null`);
  await knex.raw(`create index payment_orders_by_account on payment_orders (account_id, created_at)`);
  await knex.raw(`create index payment_orders_by_payment_intent on payment_orders (stripe_payment_intent) where stripe_payment_intent is not null`);

  await knex.schema.createTable('stripe_events', (t) => {
    t.text('id').primary().comment('Stripe event id (evt_…): a redelivery finds its row and has no second effect');
    t.text('type').notNullable().comment('e.g. checkout.session.completed');
    t.text('api_version').nullable();
    t.boolean('livemode').notNullable().defaultTo(false);
    t.jsonb('payload').notNullable().comment('the verified event exactly as Stripe signed it');
    t.text('purchase_id').nullable().comment('pur_… the event names, when it names one (for operators)');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true }).nullable().comment('null until dispatched; the reconcile workflow drains old nulls');
    t.text('outcome').nullable().comment('what dispatch did: signalled, ignored, unknown_purchase, invalid_payload, …');
    t.integer('attempts').notNullable().defaultTo(0).comment('dispatch attempts');
    t.text('last_error').nullable().comment('last dispatch error (e.g. Temporal unreachable)');
  });
  await knex.raw(`create index stripe_events_unprocessed on stripe_events (received_at) where processed_at is null`);

  await knex.schema.createTable('refunds', (t) => {
    t.text('id').primary().comment('ref_…; keys the workflow refund:<id>, the Stripe idempotency key and the ledger entry');
    t.text('purchase_id').notNullable().references('payment_orders.id');
    t.text('account_id').notNullable().references('accounts.id');
    t.text('origin').notNullable().comment('admin (POST /v1/admin/purchases/:id/refund) | stripe (made in Stripe, seen in charge.refunded)');
    t.text('status').notNullable().comment('requested | submitted | succeeded | applied | failed');
    t.bigInteger('requested_amount_minor').nullable().comment('what the admin asked for, minor units');
    t.bigInteger('amount_minor').notNullable().comment('refunded amount, minor units (Stripe’s figure once the webhook confirms it)');
    t.text('currency').notNullable();
    t.text('stripe_refund_id').nullable().comment('re_…');
    t.text('stripe_charge_id').nullable().comment('ch_…');
    t.text('idempotency_key').nullable().comment('req:<Idempotency-Key> of the admin request, unique per purchase');
    t.text('request_hash').nullable();
    t.text('event_id').nullable().comment('the charge.refunded event that confirmed it');
    t.bigInteger('credits_entitled').notNullable().defaultTo(0).comment('credits this refund pays back, pro rata of the purchase, micro-credits');
    t.bigInteger('credits_clawed_back').notNullable().defaultTo(0).comment('part of credits_entitled taken out of the purchased grant');
    t.bigInteger('credits_unrecoverable').notNullable().defaultTo(0).comment('part of credits_entitled already spent: recorded here, never a negative balance');
    t.text('ledger_entry_id').nullable().references('ledger_entries.id').comment('the refund ledger entry (none when nothing was left to claw back)');
    t.text('failure_reason').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('applied_at', { useTz: true }).nullable();
  });
  await knex.raw(`alter table refunds
    add constraint refunds_origin check (origin in ('admin', 'stripe')),
    add constraint refunds_status check (status in ('requested', 'submitted', 'succeeded', 'applied', 'failed')),
    add constraint refunds_amount check (amount_minor > 0),
    add constraint refunds_credits check (credits_entitled = credits_clawed_back + credits_unrecoverable and credits_clawed_back >= 0 and credits_unrecoverable >= 0)`);
  await knex.raw(`create unique index refunds_idempotency on refunds (purchase_id, idempotency_key) where idempotency_key is not null`);
  // A refund made in Stripe (no metadata.refund_id of ours) is recognised by its Stripe id.
  await knex.raw(`create unique index refunds_stripe_origin on refunds (stripe_refund_id) where origin = 'stripe'`);
  await knex.raw(`create index refunds_by_purchase on refunds (purchase_id)`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['refunds', 'stripe_events', 'payment_orders']) await knex.schema.dropTableIfExists(table);
}
