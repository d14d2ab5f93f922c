import type { Knex } from 'knex';
import { creditsForAmount } from '../src/catalog/compute/credit-value';
import { creditPricing } from '../src/payouts/payout-config';

/**
 * One credit unit price values everything. Seed 004's packages are dollar-denominated: `amount`
 * is the credit value and `price` what is paid, so `pro` {amount 100, price 90} grants
 * 100 / $0.01 = 10,000 credits for $90. The first catalog stored the amount itself as the credits
 * (100 credits for $90, $0.90 each, against $0.01 everywhere else); this corrects the three
 * seeded rows, only where they still hold the seeded terms (a package an operator changed is left
 * as they set it).
 *
 * Also: demo marks on models and tools (the demo catalog `npm start` adds has demo prices) and the
 * bounds within which a publisher may price its own tools.
 */
const SEEDED = [
  { id: 'starter', amountMinor: 2500n, priceMinor: 2500n },
  { id: 'pro', amountMinor: 10_000n, priceMinor: 9000n },
  { id: 'teams', amountMinor: 50_000n, priceMinor: 40_000n },
];

const oldCredits = (amountMinor: bigint) => (amountMinor / 100n) * 1_000_000n; // $25 stored as 25 credits

export async function up(knex: Knex): Promise<void> {
  const { priceMicroMinor } = creditPricing(); // CREDIT_UNIT_PRICE of the environment migrating
  for (const row of SEEDED) {
    const converted = creditsForAmount(row.amountMinor, priceMicroMinor);
    if (converted.kind !== 'ok') continue; // a unit price that cannot value the package exactly: leave it for the operator
    await knex('packages')
      .where({ id: row.id, credits: oldCredits(row.amountMinor).toString(), price_minor: row.priceMinor.toString(), currency: 'usd' })
      .update({ credits: converted.credits.toString(), updated_at: knex.fn.now() });
  }

  await knex.schema.alterTable('models', (t) => {
    t.boolean('demo').notNullable().defaultTo(false).comment('true = added by the demo catalog with demo rates; an admin PUT makes it false');
  });
  await knex.schema.alterTable('tools', (t) => {
    t.boolean('demo').notNullable().defaultTo(false).comment('true = added by the demo catalog with a demo price; an admin PUT makes it false');
    t.bigInteger('min_credits_per_execution').nullable().comment('lowest price its publisher may set, micro-credits; null = 1 credit (seed 000)');
    t.bigInteger('max_credits_per_execution').nullable().comment('highest price its publisher may set, micro-credits; null = 10 credits (seed 000)');
  });
  await knex.raw(`alter table tools add constraint tools_price_bounds check (
    coalesce(min_credits_per_execution, 0) >= 0 and
    (min_credits_per_execution is null or max_credits_per_execution is null or min_credits_per_execution <= max_credits_per_execution))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table tools drop constraint tools_price_bounds');
  await knex.schema.alterTable('tools', (t) => {
    for (const column of ['demo', 'min_credits_per_execution', 'max_credits_per_execution']) t.dropColumn(column);
  });
  await knex.schema.alterTable('models', (t) => t.dropColumn('demo'));
  const { priceMicroMinor } = creditPricing();
  for (const row of SEEDED) {
    const converted = creditsForAmount(row.amountMinor, priceMicroMinor);
    if (converted.kind !== 'ok') continue;
    await knex('packages')
      .where({ id: row.id, credits: converted.credits.toString(), price_minor: row.priceMinor.toString() })
      .update({ credits: oldCredits(row.amountMinor).toString() });
  }
}
