import type { Knex } from 'knex';

/**
 * Month-end closes: one row per account and period (what the close found and did), one row per
 * close run (progress and failures, readable while it runs), and the overage reports sent to
 * Stripe Billing meters (one row per identifier, written before the call so a retry resends the
 * same quantity under the same identifier).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('periods', (t) => {
    t.text('account_id').notNullable().references('accounts.id');
    t.text('period').notNullable().comment('YYYY-MM');
    t.text('status').notNullable().defaultTo('open').comment('open | closed');
    t.bigInteger('included_credits').notNullable().defaultTo(0).comment('micro-credits granted for the period');
    t.bigInteger('used').notNullable().defaultTo(0).comment('micro-credits consumed (grants + overage)');
    t.bigInteger('expired').notNullable().defaultTo(0).comment('micro-credits expired at the close');
    t.bigInteger('rolled_over').notNullable().defaultTo(0).comment('micro-credits carried into the next period');
    t.bigInteger('overage').notNullable().defaultTo(0).comment('micro-credits of usage beyond the grants');
    t.bigInteger('overage_reported').notNullable().defaultTo(0).comment('micro-credits reported to Stripe meters');
    t.text('invoice_id').nullable().comment('the period invoice, when one was due');
    t.timestamp('closed_at', { useTz: true }).nullable();
    t.primary(['account_id', 'period']);
  });

  await knex.schema.createTable('closes', (t) => {
    t.text('period').primary().comment('YYYY-MM');
    t.text('status').notNullable().comment('running | completed | completed_with_failures');
    t.integer('accounts_total').notNullable().defaultTo(0);
    t.integer('accounts_done').notNullable().defaultTo(0);
    t.jsonb('failures').notNullable().defaultTo('[]').comment('[{account_id, reason}] of the latest run');
    t.text('workflow_id').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true }).nullable();
  });

  await knex.schema.createTable('overage_reports', (t) => {
    t.text('identifier').primary().comment('Stripe meter event identifier, e.g. overage:acct_…:2026-10:final');
    t.text('account_id').notNullable().references('accounts.id');
    t.text('period').notNullable();
    t.text('window').notNullable().comment('hour (YYYYMMDDHH) or final');
    t.bigInteger('quantity').notNullable().comment('micro-credits of overage this report adds');
    t.text('stripe_customer_id').notNullable();
    t.text('status').notNullable().defaultTo('pending').comment('pending | sent');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true }).nullable();
  });
  await knex.raw('alter table overage_reports add constraint overage_reports_quantity check (quantity > 0)');
  await knex.raw('create index overage_reports_by_account on overage_reports (account_id, period)');
  await knex.raw('create index accounts_by_period on accounts (period_start, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists accounts_by_period');
  for (const table of ['overage_reports', 'closes', 'periods']) await knex.schema.dropTableIfExists(table);
}
