import type { Knex } from 'knex';

/**
 * Outgoing webhooks and usage alerts (issue 12).
 *
 * - events: the outbox. A row is written in the same transaction as the change it reports, so a
 *   rolled-back change emits nothing and a committed one is never missed; the delivery workflow
 *   fans each new row out into one delivery per matching endpoint.
 * - webhook_endpoints: where events go, signed with the endpoint's secret (and, for 24 h after a
 *   rotation, with the previous one too).
 * - webhook_deliveries: one per (event, endpoint), with its retry schedule in the row, so
 *   thousands of pending retries cost rows and an index, not timers.
 * - webhook_delivery_attempts: the delivery log, one row per finished attempt.
 * - billing_alerts: per-account alert settings, read by the debit function.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    t.text('id').primary().comment('evt_…; also the webhook-id of every delivery of it (receivers dedupe on it)');
    t.text('type').notNullable().comment('credits.threshold_reached, purchase.fulfilled, … (API.md)');
    t.text('account_id').nullable().references('accounts.id').comment('the account it concerns; null for platform-wide events (a close)');
    t.jsonb('payload').notNullable().comment('the event body’s data');
    t.text('dedupe_key').nullable().unique().comment('an event that may happen once (a threshold per period): a second insert does nothing');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('fanned_out_at', { useTz: true }).nullable().comment('when its deliveries were created; null = not yet');
  });
  await knex.raw(`create index events_to_fan_out on events (created_at) where fanned_out_at is null`);
  await knex.raw(`create index events_by_account on events (account_id, created_at desc)`);

  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.text('id').primary().comment('we_…');
    t.text('account_id').nullable().references('accounts.id').comment('whose events it receives; null = every account’s (admin only)');
    t.text('url').notNullable().comment('http(s) URL events are POSTed to');
    t.specificType('events', 'text[]').notNullable().defaultTo('{}').comment('event types it receives; empty = all');
    t.text('description').nullable();
    t.text('secret').notNullable().comment('whsec_…: signs every delivery');
    t.text('previous_secret').nullable().comment('the secret before the last rotation: also signs until previous_secret_expires_at');
    t.timestamp('previous_secret_expires_at', { useTz: true }).nullable();
    t.boolean('enabled').notNullable().defaultTo(true).comment('false: no new deliveries (set by PATCH, or by a 410 Gone answer)');
    t.text('disabled_reason').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`create index webhook_endpoints_by_account on webhook_endpoints (account_id)`);

  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.text('id').primary().comment('whd_…');
    t.text('event_id').notNullable().references('events.id');
    t.text('endpoint_id').notNullable().references('webhook_endpoints.id').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('pending').comment('pending | delivered | failed');
    t.integer('attempts').notNullable().defaultTo(0).comment('attempts started (one killed mid-flight counts)');
    t.integer('last_status_code').nullable().comment('HTTP status of the last answer; null when there was none');
    t.text('last_error').nullable().comment('why the last attempt failed');
    t.timestamp('next_attempt_at', { useTz: true }).nullable().comment('pending: when it is due (or, while an attempt runs, when that attempt is presumed lost)');
    t.timestamp('delivered_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['event_id', 'endpoint_id']);
  });
  await knex.raw(`alter table webhook_deliveries
    add constraint webhook_deliveries_status check (status in ('pending', 'delivered', 'failed')),
    add constraint webhook_deliveries_due check ((status = 'pending') = (next_attempt_at is not null))`);
  // what the delivery loop asks for, per endpoint: its due deliveries, oldest first
  await knex.raw(`create index webhook_deliveries_due on webhook_deliveries (endpoint_id, next_attempt_at) where status = 'pending'`);
  await knex.raw(`create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, created_at desc)`);
  await knex.raw(`create index webhook_deliveries_failed on webhook_deliveries (updated_at desc) where status = 'failed'`);

  await knex.schema.createTable('webhook_delivery_attempts', (t) => {
    t.bigIncrements('id');
    t.text('delivery_id').notNullable().references('webhook_deliveries.id').onDelete('CASCADE');
    t.integer('attempt').notNullable().comment('1, 2, 3 …');
    t.integer('status_code').nullable().comment('null: no answer (timeout, refused, reset)');
    t.text('error').nullable();
    t.integer('duration_ms').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`create index webhook_delivery_attempts_by_delivery on webhook_delivery_attempts (delivery_id, attempt)`);

  await knex.schema.createTable('billing_alerts', (t) => {
    t.text('account_id').primary().references('accounts.id');
    t.specificType('thresholds_percent', 'integer[]').notNullable().comment('percentages of the period’s included credits whose crossing is an event');
    t.bigInteger('low_balance_micro').nullable().comment('a debit leaving the balance below this is a credits.low_balance event; null = off');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('billing_alerts');
  await knex.schema.dropTable('webhook_delivery_attempts');
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhook_endpoints');
  await knex.schema.dropTable('events');
}
