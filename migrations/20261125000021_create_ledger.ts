import type { Knex } from 'knex';
import { DEBIT_BATCH_FUNCTION_SQL, DEBIT_FUNCTION_SQL } from './sql/settle-debit';

/**
 * The credit ledger (ARCHITECTURE.md, "Ledger invariants"). Amounts are micro-credits for unit
 * `credits` and whole tokens for unit `tokens`.
 *
 * - balances: one row per account and unit; its row lock serialises every change to that unit's
 *   grants and ledger, and it carries the running balance and the last sequence number.
 * - grants: credit lots, spent in burn order; remaining never below 0.
 * - ledger_entries: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE).
 * - usage_events / usage_items: what a metered request was, line by line.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('balances', (t) => {
    t.text('account_id').notNullable().references('accounts.id');
    t.text('unit').notNullable().comment('credits (micro-credits) or tokens');
    t.bigInteger('balance').notNullable().defaultTo(0).comment('Σ ledger amount for this account and unit');
    t.bigInteger('last_seq').notNullable().defaultTo(0).comment('sequence number of the newest ledger entry');
    t.primary(['account_id', 'unit']);
  });
  await knex.raw(`alter table balances add constraint balances_unit check (unit in ('credits', 'tokens'))`);

  await knex.schema.createTable('grants', (t) => {
    t.text('id').primary().comment('grt_…');
    t.text('account_id').notNullable().references('accounts.id');
    t.text('unit').notNullable();
    t.text('kind').notNullable().comment('included | purchased | promotional | voucher | admin');
    t.integer('priority').notNullable().comment('0 burns first, 100 last (Stripe credit-grant convention)');
    t.bigInteger('amount').notNullable().comment('granted quantity');
    t.bigInteger('remaining').notNullable().comment('not yet spent, expired or clawed back');
    t.timestamp('starts_at', { useTz: true }).notNullable().comment('spendable by events at or after this instant');
    t.timestamp('expires_at', { useTz: true }).nullable().comment('not spendable by events at or after this instant');
    t.text('source').nullable().comment('business reference: purchase, voucher, period, admin note');
    t.text('description').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table grants
    add constraint grants_kind check (kind in ('included', 'purchased', 'promotional', 'voucher', 'admin')),
    add constraint grants_priority check (priority between 0 and 100),
    add constraint grants_amount check (amount > 0),
    add constraint grants_remaining check (remaining >= 0 and remaining <= amount),
    add constraint grants_window check (expires_at is null or expires_at > starts_at)`);
  await knex.raw(`create index grants_spendable on grants (account_id, unit, priority, expires_at, created_at) where remaining > 0`);
  await knex.raw(`create index grants_by_source on grants (source) where source is not null`);

  await knex.schema.createTable('ledger_entries', (t) => {
    t.text('id').primary().comment('txn_…');
    t.text('account_id').notNullable().references('accounts.id');
    t.text('unit').notNullable();
    t.bigInteger('seq').notNullable().comment('per account and unit, 1, 2, 3 … without gaps');
    t.text('type').notNullable().comment('grant | purchase | deposit | voucher | debit | usage | expiry | refund | adjustment');
    t.bigInteger('amount').notNullable().comment('signed change of the balance');
    t.bigInteger('overage').notNullable().defaultTo(0).comment('usage beyond the grants (plans with overage), not in amount');
    t.bigInteger('balance_after').notNullable().comment('balance after this entry');
    t.text('idempotency_key').notNullable().comment('unique per account: a retried request finds its entry');
    t.text('request_hash').nullable().comment('sha256 of the request; same key + other hash = 409');
    t.text('description').nullable();
    t.text('reference').nullable().comment('what caused it: use_…, pur_…, vch_…, a period …');
    t.text('grant_id').nullable().references('grants.id').comment('the grant created or reduced, for single-grant entries');
    t.jsonb('burns').nullable().comment('for debits: [{grant_id, amount}] in burn order');
    t.timestamp('effective_at', { useTz: true }).notNullable().comment('when it happened for the books (event time)');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['account_id', 'idempotency_key']);
    t.unique(['account_id', 'unit', 'seq']);
  });
  await knex.raw(`alter table ledger_entries add constraint ledger_overage check (overage >= 0)`);
  await knex.raw(`create index ledger_by_time on ledger_entries (account_id, unit, effective_at)`);
  await knex.raw(`
    create function ledger_entries_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger entries are append-only: % refused', tg_op using errcode = 'P0001';
    end $$;
    create trigger ledger_entries_no_update before update or delete on ledger_entries
      for each row execute function ledger_entries_append_only();
    create trigger ledger_entries_no_truncate before truncate on ledger_entries
      for each statement execute function ledger_entries_append_only();`);

  await knex.schema.createTable('usage_events', (t) => {
    t.text('id').primary().comment('use_…');
    t.text('account_id').notNullable().references('accounts.id');
    t.text('ledger_entry_id').notNullable().references('ledger_entries.id');
    t.text('agent').nullable();
    t.text('task_id').nullable();
    t.bigInteger('credits_charged').notNullable().comment('micro-credits charged, markup included, rounded once');
    t.bigInteger('markup').notNullable().defaultTo(0).comment('agent markup part of credits_charged');
    t.bigInteger('rounding').notNullable().defaultTo(0).comment('charged minus the exact sum of lines and markup');
    t.bigInteger('overage').notNullable().defaultTo(0).comment('part not covered by grants (overage plans)');
    t.bigInteger('balance_after').notNullable();
    t.bigInteger('provider_cost').notNullable().defaultTo(0).comment('what the providers charge us, micro-USD');
    t.bigInteger('input_tokens').notNullable().defaultTo(0);
    t.bigInteger('output_tokens').notNullable().defaultTo(0);
    t.bigInteger('cache_write_tokens').notNullable().defaultTo(0);
    t.bigInteger('cache_read_tokens').notNullable().defaultTo(0);
    t.jsonb('breakdown').notNullable().comment('the priced lines as answered to the client');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.raw(`create index usage_events_by_time on usage_events (account_id, occurred_at)`);

  await knex.schema.createTable('usage_items', (t) => {
    t.text('usage_event_id').notNullable().references('usage_events.id');
    t.integer('position').notNullable();
    t.text('account_id').notNullable().comment('denormalised for reports');
    t.timestamp('occurred_at', { useTz: true }).notNullable().comment('denormalised for reports');
    t.text('agent').nullable().comment('denormalised for reports');
    t.text('kind').notNullable().comment('tool | model');
    t.text('tool').nullable();
    t.text('publisher_id').nullable();
    t.text('model').nullable();
    t.text('provider').nullable();
    t.bigInteger('quantity').notNullable().defaultTo(1).comment('executions of a tool; 1 for a model call');
    t.bigInteger('input_tokens').notNullable().defaultTo(0);
    t.bigInteger('output_tokens').notNullable().defaultTo(0);
    t.bigInteger('cache_write_tokens').notNullable().defaultTo(0);
    t.bigInteger('cache_read_tokens').notNullable().defaultTo(0);
    t.bigInteger('credits').notNullable().comment('this line, micro-credits (exact to the micro-credit)');
    t.bigInteger('provider_cost').notNullable().defaultTo(0).comment('micro-USD');
    t.primary(['usage_event_id', 'position']);
  });
  await knex.raw(`create index usage_items_by_time on usage_items (account_id, occurred_at)`);

  await knex.schema.createTable('account_agents', (t) => {
    t.text('account_id').notNullable().references('accounts.id');
    t.text('agent').notNullable();
    t.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['account_id', 'agent']);
  });

  await knex.raw(DEBIT_FUNCTION_SQL);
  await knex.raw(DEBIT_BATCH_FUNCTION_SQL);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists settle_debit_batch');
  await knex.raw('drop function if exists settle_debit');
  for (const table of ['account_agents', 'usage_items', 'usage_events', 'ledger_entries', 'grants', 'balances']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('drop function if exists ledger_entries_append_only');
}
