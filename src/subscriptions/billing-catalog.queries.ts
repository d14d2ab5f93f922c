import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { PriceKind } from './billing-catalog-terms';

export interface PlanPriceRow {
  id: string;
  plan_id: string;
  kind: PriceKind;
  terms: string;
  stripe_price_id: string;
  stripe_product_id: string;
  lookup_key: string;
  current: boolean;
  created_at: Date;
  updated_at: Date;
}

export type NewPlanPrice = Pick<PlanPriceRow, 'plan_id' | 'kind' | 'terms' | 'stripe_price_id' | 'stripe_product_id' | 'lookup_key'>;

export async function findMeterId(db: Db, eventName: string): Promise<string | null> {
  const row = await db('stripe_billing_meters').where({ event_name: eventName }).first('stripe_meter_id');
  return (row?.stripe_meter_id as string | undefined) ?? null;
}

export async function saveMeterId(db: Db, eventName: string, meterId: string): Promise<void> {
  await db('stripe_billing_meters')
    .insert({ event_name: eventName, stripe_meter_id: meterId })
    .onConflict('event_name')
    .merge({ stripe_meter_id: meterId, updated_at: db.fn.now() });
}

export function currentPlanPrices(db: Db, planId: string): Promise<PlanPriceRow[]> {
  return db<PlanPriceRow>('stripe_plan_prices').where({ plan_id: planId, current: true });
}

/**
 * Makes these prices the plan's current ones. The plan row's lock serialises workers recording
 * the same plan, so the one-current-price-per-kind index never sees two at once.
 */
export async function recordCurrentPlanPrices(db: Knex, planId: string, prices: NewPlanPrice[]): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('plans').where({ id: planId }).forUpdate().first('id');
    for (const price of prices) {
      await trx('stripe_plan_prices')
        .where({ plan_id: planId, kind: price.kind, current: true })
        .whereNot({ terms: price.terms })
        .update({ current: false, updated_at: trx.fn.now() });
      await trx('stripe_plan_prices')
        .insert({ ...price, current: true })
        .onConflict(['plan_id', 'kind', 'terms'])
        .merge({ stripe_price_id: price.stripe_price_id, stripe_product_id: price.stripe_product_id, lookup_key: price.lookup_key, current: true, updated_at: trx.fn.now() });
    }
  });
}

export async function findStripeTaxRateId(db: Db, key: string): Promise<string | null> {
  const row = await db('stripe_tax_rates').where({ key }).first('stripe_tax_rate_id');
  return (row?.stripe_tax_rate_id as string | undefined) ?? null;
}

/** First writer wins: two callers creating the same key got the same tax rate from Stripe's idempotency. */
export async function saveStripeTaxRate(
  db: Db,
  row: { key: string; stripe_tax_rate_id: string; country: string; rate_bp: number; display_name: string },
): Promise<string> {
  await db('stripe_tax_rates').insert(row).onConflict('key').ignore();
  return (await findStripeTaxRateId(db, row.key))!;
}
