import type { Knex } from 'knex';
import { SETTLE_HOLD_SQL } from './sql/settle-hold';

/**
 * Holds (issue 18): credits reserved before a long-running call and captured or released after
 * it. A hold is not a ledger entry (the balance moves only at the capture, whose usage entry
 * names the hold), so this table is also the history of every hold, capture and release.
 * Amounts are micro-credits.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('holds', (t) => {
    t.text('id').primary().comment('hold_…');
    t.text('account_id').notNullable().references('accounts.id');
    t.bigInteger('amount').notNullable().comment('micro-credits reserved while active');
    t.text('status').notNullable().comment('active | captured | released | expired; only active holds reserve, and only until expires_at');
    t.timestamp('expires_at', { useTz: true }).notNullable().comment('from this instant on the hold reserves nothing, even before the sweep marks it expired');
    t.text('agent').nullable().comment('the agent the call runs for; the capture is recorded as its usage');
    t.text('task_id').nullable().comment('the caller’s task reference, copied onto the captured usage event');
    t.text('idempotency_key').notNullable().comment('unique per account: a retried hold request finds this hold');
    t.text('request_hash').notNullable().comment('sha256 of the hold request; same key + other hash = 409');
    t.bigInteger('available_after').notNullable().comment('credits still available right after this hold was placed (floored at 0), answered again on replays');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('settled_at', { useTz: true }).nullable().comment('when it was captured or released, or the expiry it was marked expired for');
    t.text('capture_entry_id').nullable().comment('the usage ledger entry of the capture');
    t.bigInteger('captured').nullable().comment('micro-credits the capture charged (may exceed amount when the balance or overage covers it)');
    t.bigInteger('uncaptured').nullable().comment('micro-credits of actual usage a hard-limit plan could not cover: not charged');
    t.unique(['account_id', 'idempotency_key']);
  });
  await knex.raw(`alter table holds
    add constraint holds_status check (status in ('active', 'captured', 'released', 'expired')),
    add constraint holds_amount check (amount >= 0),
    add constraint holds_captured check ((status = 'captured') = (capture_entry_id is not null and captured is not null and uncaptured is not null)),
    add constraint holds_settled check ((status = 'active') = (settled_at is null)),
    -- checked at commit: a capture marks its hold before the debit that writes the entry
    add constraint holds_capture_entry foreign key (capture_entry_id) references ledger_entries (id) deferrable initially deferred`);
  // what every debit of a hard-limit account sums, and what the sweep looks for
  await knex.raw(`create index holds_active on holds (account_id) where status = 'active'`);
  await knex.raw(`create index holds_by_account on holds (account_id, created_at desc, id desc)`);
  await knex.raw(SETTLE_HOLD_SQL);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function if exists settle_hold');
  await knex.schema.dropTable('holds');
}
