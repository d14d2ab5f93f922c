import type { Knex } from 'knex';

/**
 * Publisher earnings and Stripe Connect payouts (ARCHITECTURE.md, publisherPayouts).
 *
 * publisher_accruals: one row per publisher-tool line of a usage debit, written by `settle_debit`
 * inside the debit's transaction (`insert … select * from jsonb_populate_recordset`, so column
 * defaults are NOT applied: every column must be in each JSON object). Money is stored EXACTLY in
 * "exact units" = 10^-17 minor units: micro-credits × micro-minor per credit × share in 10^-5 is
 * always an integer there, so `publisher_exact + platform_exact == value of the credits` per row
 * with no rounding. Rounding to whole minor units happens once, when a payout is computed; the
 * sub-cent remainder moves to the next period as a carry_out/carry_in pair.
 * A row is never deleted and only its payout_id may change (a trigger enforces both).
 *
 * payouts: one per publisher and period (YYYY-MM), its status and Stripe transfer.
 * payout_attempts: one per transfer attempt (idempotency key, outcome), the audit trail that shows
 * a payout was never sent twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payouts', (t) => {
    t.text('id').primary().comment('po_…');
    t.text('publisher_id').notNullable().references('publishers.id');
    t.text('period').notNullable().comment('YYYY-MM: the month this payout settles');
    t.timestamp('as_of', { useTz: true }).notNullable().comment('pays accruals that occurred before this instant (last evaluation)');
    t.text('currency').notNullable().comment('ISO 4217, lower case');
    t.bigInteger('amount').notNullable().defaultTo(0).comment('minor units: transferred (paid), to transfer (pending/failed) or evaluated but not sent (held/carried_forward; may be negative)');
    t.decimal('carried_exact', 40, 0).notNullable().defaultTo(0).comment('sub-minor remainder moved to the next period, exact units (10^-17 minor)');
    t.text('status').notNullable().comment('pending | paid | failed | held | carried_forward');
    t.integer('attempts').notNullable().defaultTo(0).comment('transfer attempts so far; attempt n > 1 uses idempotency key …:attempt-n');
    t.text('idempotency_key').nullable().comment('Stripe idempotency key of the current attempt');
    t.text('destination').nullable().comment('connected account of the current attempt');
    t.text('transfer_id').nullable().comment('Stripe transfer (tr_…) once paid');
    t.text('failure_code').nullable().comment('Stripe error code, or no_connected_account / transfers_disabled when held');
    t.text('failure_reason').nullable().comment("Stripe's message, or why the payout is held");
    t.timestamp('paid_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['publisher_id', 'period']);
  });
  await knex.raw(`alter table payouts
    add constraint payouts_status check (status in ('pending', 'paid', 'failed', 'held', 'carried_forward')),
    add constraint payouts_period check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    add constraint payouts_paid check (status <> 'paid' or (transfer_id is not null and amount > 0 and paid_at is not null))`);
  await knex.raw(`create index payouts_by_status on payouts (status, created_at)`);
  await knex.raw(`create index payouts_by_period on payouts (period)`);

  await knex.schema.createTable('payout_attempts', (t) => {
    t.text('payout_id').notNullable().references('payouts.id');
    t.integer('attempt').notNullable().comment('1, 2, … ; attempt n+1 exists only after Stripe answered attempt n with an error');
    t.text('idempotency_key').notNullable().unique().comment('payout:<publisher>:<period>[:attempt-<n>]');
    t.bigInteger('amount').notNullable().comment('minor units sent');
    t.text('destination').notNullable().comment('connected account');
    t.text('status').notNullable().comment('pending | paid | failed');
    t.text('transfer_id').nullable();
    t.text('failure_code').nullable();
    t.text('failure_reason').nullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.primary(['payout_id', 'attempt']);
  });

  await knex.schema.createTable('publisher_accruals', (t) => {
    t.text('id').primary().comment('deterministic: <use_…>:<line>, rev:<refund>:<accrual>, carry:<po_…>:in|out');
    t.text('kind').notNullable().comment('usage | reversal | carry_out | carry_in');
    t.text('publisher_id').notNullable().references('publishers.id');
    t.text('account_id').nullable().comment('the account whose debit earned it (null for carries)');
    t.text('usage_event_id').nullable().comment('use_… that earned it (reversals: the original event)');
    t.integer('position').nullable().comment('line of the usage event');
    t.text('tool').nullable();
    t.bigInteger('quantity').notNullable().comment('executions (0 for reversals and carries)');
    t.bigInteger('credits').notNullable().comment('micro-credits of the tool line: price × quantity, agent markup excluded; negative for reversals');
    t.bigInteger('unit_price_micro_minor').notNullable().comment('value of one credit when accrued, micro-minor units');
    t.decimal('share', 6, 5).notNullable().comment('publisher revenue share applied');
    t.text('currency').notNullable();
    t.decimal('publisher_exact', 40, 0).notNullable().comment('publisher share, exact units (10^-17 minor)');
    t.decimal('platform_exact', 40, 0).notNullable().comment('platform share, exact units; publisher + platform = credits × price exactly');
    t.timestamp('occurred_at', { useTz: true }).notNullable().comment('event time: a payout as of T takes rows before T');
    t.text('refund_id').nullable().comment('reversals: the refund that reversed it');
    t.text('reverses_id').nullable().comment('reversals: the usage accrual reversed');
    t.text('grant_id').nullable().comment('reversals: the refunded grant (purchase) that had funded it');
    t.text('payout_id').nullable().references('payouts.id').comment('the payout this row is settled by (reserved when its transfer is prepared)');
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.raw(`alter table publisher_accruals
    add constraint publisher_accruals_kind check (kind in ('usage', 'reversal', 'carry_out', 'carry_in')),
    add constraint publisher_accruals_exact check (kind not in ('usage', 'reversal') or publisher_exact + platform_exact = credits::numeric * unit_price_micro_minor * 100000)`);
  await knex.raw(`create index publisher_accruals_unsettled on publisher_accruals (publisher_id, occurred_at) where payout_id is null`);
  await knex.raw(`create index publisher_accruals_by_payout on publisher_accruals (payout_id) where payout_id is not null`);
  await knex.raw(`create index publisher_accruals_by_publisher_tool on publisher_accruals (publisher_id, tool)`);
  await knex.raw(`create index publisher_accruals_by_event on publisher_accruals (usage_event_id)`);
  await knex.raw(`create index publisher_accruals_by_reversed on publisher_accruals (reverses_id) where reverses_id is not null`);
  await knex.raw(`
    create function publisher_accruals_guard() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and (to_jsonb(new) - 'payout_id') = (to_jsonb(old) - 'payout_id') then
        return new;
      end if;
      raise exception 'publisher accruals are append-only (only payout_id may change): % refused', tg_op using errcode = 'P0001';
    end $$;
    create trigger publisher_accruals_no_change before update or delete on publisher_accruals
      for each row execute function publisher_accruals_guard();
    create trigger publisher_accruals_no_truncate before truncate on publisher_accruals
      for each statement execute function publisher_accruals_guard();`);

  await knex.schema.alterTable('publishers', (t) => {
    t.timestamp('connect_synced_at', { useTz: true }).nullable().comment('created time of the newest account.updated event applied (older events are ignored)');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('publishers', (t) => t.dropColumn('connect_synced_at'));
  await knex.schema.dropTableIfExists('publisher_accruals');
  await knex.raw('drop function if exists publisher_accruals_guard');
  await knex.schema.dropTableIfExists('payout_attempts');
  await knex.schema.dropTableIfExists('payouts');
}
