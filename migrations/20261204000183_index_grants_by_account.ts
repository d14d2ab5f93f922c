import type { Knex } from 'knex';

/**
 * The close reads each account's included grants of the period, spent or not (the period's
 * included credits, src/periods/close.service.ts); only unspent grants were indexed, so every
 * account's close scanned all grants while holding its balance locks, and the close of N
 * accounts grew with N². `npm run bench:scale` measured 162 ms per account at 300k grants.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index grants_by_account on grants (account_id, unit, kind, starts_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists grants_by_account');
}
