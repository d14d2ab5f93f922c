import type { Knex } from 'knex';

/**
 * Collection on Stripe Billing: Settle's period invoice stays the legal document, Stripe's invoice
 * for the same account and month collects it. `stripe_invoices` keeps what Stripe told us,
 * `invoice_payments` the payment state of Settle's invoices (a finalized invoice row is frozen, so
 * its payment state lives beside it), and `billing_mismatches` every pair whose amounts differ.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stripe_invoices', (t) => {
    t.text('id').primary().comment("Stripe's invoice id (in_…)");
    t.text('account_id').notNullable().references('accounts.id').comment('the account the invoice collects for');
    t.text('period').notNullable().comment('YYYY-MM of Settle\'s period invoice it pairs with: UTC month of period_start, else of stripe_created');
    t.text('status').notNullable().comment('paid | payment_failed: the newest collection outcome heard; paid is final');
    t.text('stripe_status').nullable().comment("Stripe's own status when last recorded (paid, open, …)");
    t.text('currency').notNullable().comment('ISO 4217, lower case');
    t.bigInteger('total_minor').notNullable().comment('invoice total incl. tax, minor units');
    t.bigInteger('tax_minor').notNullable().comment('sum of the invoice taxes, minor units');
    t.bigInteger('amount_due_minor').notNullable().comment('what Stripe asked for (total less credits), minor units');
    t.bigInteger('amount_paid_minor').notNullable().comment('what Stripe collected, minor units');
    t.text('billing_reason').nullable().comment('subscription_create | subscription_cycle | subscription_update | manual …');
    t.text('stripe_subscription_id').nullable().comment('the subscription it bills (basil: parent.subscription_details)');
    t.text('stripe_customer_id').nullable();
    t.timestamp('period_start', { useTz: true }).nullable().comment('start of the service period the invoice bills');
    t.timestamp('period_end', { useTz: true }).nullable().comment('end of that service period');
    t.timestamp('stripe_created', { useTz: true }).notNullable().comment("Stripe's creation time of the invoice");
    t.timestamp('paid_at', { useTz: true }).nullable().comment('when Settle learnt it was paid');
    t.text('settle_invoice_id').nullable().references('invoices.id').comment("Settle's period invoice it was paired with; null until both exist (never for a zero total)");
    t.timestamp('paired_at', { useTz: true }).nullable().comment('when the pair was made');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['account_id', 'period']);
  });
  await knex.raw(`alter table stripe_invoices
    add constraint stripe_invoices_status check (status in ('paid', 'payment_failed')),
    add constraint stripe_invoices_period check (period ~ '^\\d{4}-\\d{2}$'),
    add constraint stripe_invoices_currency check (currency ~ '^[a-z]{3}$')`);

  await knex.schema.createTable('invoice_payments', (t) => {
    t.text('invoice_id').primary().references('invoices.id').comment("Settle's invoice whose payment this is; no row = open (awaiting payment)");
    t.text('status').notNullable().comment('paid | payment_failed | open; paid is final');
    t.text('payment_reference').notNullable().comment('what collected it: the Stripe invoice id');
    t.timestamp('paid_at', { useTz: true }).nullable().comment('when it was paid');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table invoice_payments
    add constraint invoice_payments_status check (status in ('open', 'paid', 'payment_failed')),
    add constraint invoice_payments_paid_at check ((status = 'paid') = (paid_at is not null))`);
  // A payment, once recorded as paid, is history: a late failure event must not undo it.
  await knex.raw(`
    create function invoice_payments_paid_is_final() returns trigger language plpgsql as $$
    begin
      if OLD.status = 'paid' then
        raise exception 'invoice % is paid (%) and its payment cannot change', OLD.invoice_id, OLD.payment_reference
          using errcode = 'integrity_constraint_violation';
      end if;
      if TG_OP = 'DELETE' then return OLD; end if;
      return NEW;
    end $$`);
  await knex.raw(`create trigger invoice_payments_final before update or delete on invoice_payments
    for each row execute function invoice_payments_paid_is_final()`);

  await knex.schema.createTable('billing_mismatches', (t) => {
    t.text('id').primary().comment('bmm_…, derived from the pair so a replay finds the same row');
    t.text('settle_invoice_id').notNullable().references('invoices.id').comment("Settle's period invoice (the legal document)");
    t.text('stripe_invoice_id').notNullable().references('stripe_invoices.id').comment("Stripe's invoice that collected it");
    t.text('account_id').notNullable().references('accounts.id');
    t.text('period').notNullable().comment('YYYY-MM');
    t.text('currency').notNullable().comment("currency of Settle's invoice");
    t.text('stripe_currency').notNullable().comment("currency of Stripe's invoice");
    t.bigInteger('settle_total_minor').notNullable().comment("Settle's total incl. tax, minor units");
    t.bigInteger('settle_tax_minor').notNullable().comment("Settle's tax, minor units");
    t.bigInteger('stripe_total_minor').notNullable().comment("Stripe's total incl. tax, minor units of stripe_currency");
    t.bigInteger('stripe_tax_minor').notNullable().comment("Stripe's tax, minor units of stripe_currency");
    t.jsonb('reasons').notNullable().comment('["total_differs", "tax_differs", "currency_differs"]: at least one');
    t.timestamp('detected_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('when the pair was compared');
    t.timestamp('resolved_at', { useTz: true }).nullable().comment('when finance ops settled the difference; null = open');
    t.unique(['settle_invoice_id', 'stripe_invoice_id']);
    t.index(['detected_at']);
    t.index(['account_id', 'period']);
  });
  await knex.raw(`alter table billing_mismatches
    add constraint billing_mismatches_reasons check (jsonb_typeof(reasons) = 'array' and jsonb_array_length(reasons) > 0)`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['billing_mismatches', 'invoice_payments', 'stripe_invoices']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('drop function if exists invoice_payments_paid_is_final()');
}
