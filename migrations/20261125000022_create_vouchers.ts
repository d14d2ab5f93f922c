import type { Knex } from 'knex';

/** Voucher codes (seed 002): single- or multi-use, optional expiry, one redemption per account. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('vouchers', (t) => {
    t.text('id').primary().comment('vch_…');
    t.text('code').notNullable().unique().comment('what customers type; stored upper-case');
    t.bigInteger('credits').notNullable().comment('micro-credits granted per redemption');
    t.integer('max_redemptions').notNullable().comment('1 = single use');
    t.integer('redemptions').notNullable().defaultTo(0).comment('how many accounts redeemed it');
    t.timestamp('expires_at', { useTz: true }).nullable().comment('not redeemable from this instant');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table vouchers add constraint vouchers_counts check (credits > 0 and max_redemptions >= 1 and redemptions between 0 and max_redemptions)');

  await knex.schema.createTable('voucher_redemptions', (t) => {
    t.text('voucher_id').notNullable().references('vouchers.id');
    t.text('account_id').notNullable().references('accounts.id');
    t.text('ledger_entry_id').notNullable().references('ledger_entries.id');
    t.timestamp('redeemed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['voucher_id', 'account_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('voucher_redemptions');
  await knex.schema.dropTableIfExists('vouchers');
}
