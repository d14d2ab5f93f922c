import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import { findPlan, listPlans, type PlanRow } from '../catalog/catalog.queries';
import type { Config } from '../config/config';
import { ValidationError } from '../shared/errors';
import { isPaidPlan, productIdFor, wantedPlanPrices, type CatalogPlan } from './billing-catalog-terms';
import { currentPlanPrices, findMeterId, recordCurrentPlanPrices, saveMeterId } from './billing-catalog.queries';
import { ensureProduct, findOrCreateMeter, findOrCreatePrice, listPricesByLookupKey } from './billing-catalog-stripe';

// One import site for the subscription code: its prices and its tax rates.
export { stripeTaxRatesFor } from './stripe-tax-rates';

/**
 * Settle's paid plans as Stripe Billing objects: the overage meter, a product per paid plan, its
 * monthly fee price and its metered overage price. Ensured at worker start (idempotent, safe from
 * several workers), after an admin edits a plan, and on demand when a subscription needs prices.
 */
export interface BillingCatalogDeps {
  db: Knex;
  stripe: Stripe;
  config: Pick<Config, 'STRIPE_METER_EVENT_NAME' | 'SELLER_COUNTRY'>;
}

export interface PlanPrices {
  productId: string;
  feePriceId: string;
  overagePriceId: string;
}

export interface BillingCatalog {
  meterId: string;
  plans: Array<{ planId: string; feePriceId: string; overagePriceId: string }>;
}

export function catalogPlanOf(row: PlanRow): CatalogPlan & { name: string } {
  return {
    id: row.id,
    name: row.name,
    monthlyPriceMinor: BigInt(row.monthly_price_minor),
    currency: row.currency,
    overageAllowed: row.overage_allowed,
    overagePriceMinorPerCredit: BigInt(row.overage_price_minor_per_credit),
  };
}

/** Asks Stripe for the meter (finding or creating it) and remembers its id. */
async function ensureMeter(deps: BillingCatalogDeps): Promise<string> {
  const eventName = deps.config.STRIPE_METER_EVENT_NAME;
  const meterId = await findOrCreateMeter(deps.stripe, eventName);
  await saveMeterId(deps.db, eventName, meterId);
  return meterId;
}

/** Stripe is asked for the plan's product and prices (never inside a transaction); the answer is recorded after. */
async function ensurePlanPrices(deps: BillingCatalogDeps, plan: CatalogPlan & { name: string }, meterId: string): Promise<PlanPrices> {
  const wanted = wantedPlanPrices(plan, meterId);
  const productId = await ensureProduct(deps.stripe, plan);
  const found = await listPricesByLookupKey(deps.stripe, [wanted.fee.lookupKey, wanted.overage.lookupKey]);
  const feePriceId = await findOrCreatePrice(deps.stripe, { planId: plan.id, productId, meterId, wanted: wanted.fee, found });
  const overagePriceId = await findOrCreatePrice(deps.stripe, { planId: plan.id, productId, meterId, wanted: wanted.overage, found });
  await recordCurrentPlanPrices(deps.db, plan.id, [
    { plan_id: plan.id, kind: 'fee', terms: wanted.fee.terms, stripe_price_id: feePriceId, stripe_product_id: productId, lookup_key: wanted.fee.lookupKey },
    { plan_id: plan.id, kind: 'overage', terms: wanted.overage.terms, stripe_price_id: overagePriceId, stripe_product_id: productId, lookup_key: wanted.overage.lookupKey },
  ]);
  return { productId, feePriceId, overagePriceId };
}

/** The meter and every paid plan's prices, checked against Stripe (the source of truth) and recorded. */
export async function ensureBillingCatalog(deps: BillingCatalogDeps): Promise<BillingCatalog> {
  const meterId = await ensureMeter(deps);
  const plans: BillingCatalog['plans'] = [];
  // By id: every worker (and every run) sends its requests in the same order.
  const rows = (await listPlans(deps.db)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const row of rows) {
    const plan = catalogPlanOf(row);
    if (!isPaidPlan(plan)) continue;
    const prices = await ensurePlanPrices(deps, plan, meterId);
    plans.push({ planId: plan.id, feePriceId: prices.feePriceId, overagePriceId: prices.overagePriceId });
  }
  return { meterId, plans };
}

/**
 * The prices a new subscription to the plan gets: the recorded current ones when they still
 * charge the plan's terms, else ensured now (first use, or the plan was edited since). Null for a
 * plan Stripe does not bill (free, or nothing to charge); throws for an unknown plan.
 */
export async function getPlanPrices(deps: BillingCatalogDeps, planId: string): Promise<PlanPrices | null> {
  const row = await findPlan(deps.db, planId);
  if (!row) throw new ValidationError(`Unknown plan ${planId}`, { field: 'plan' });
  const plan = catalogPlanOf(row);
  if (!isPaidPlan(plan)) return null;
  const meterId = (await findMeterId(deps.db, deps.config.STRIPE_METER_EVENT_NAME)) ?? (await ensureMeter(deps));
  const wanted = wantedPlanPrices(plan, meterId);
  const current = await currentPlanPrices(deps.db, planId);
  const fee = current.find((price) => price.kind === 'fee' && price.terms === wanted.fee.terms);
  const overage = current.find((price) => price.kind === 'overage' && price.terms === wanted.overage.terms);
  if (fee && overage) return { productId: productIdFor(planId), feePriceId: fee.stripe_price_id, overagePriceId: overage.stripe_price_id };
  return ensurePlanPrices(deps, plan, meterId);
}

/**
 * Worker start: the catalog is ensured, but Stripe being unreachable must not keep the worker
 * down: prices are ensured again on demand by getPlanPrices.
 */
export async function ensureBillingCatalogOrWarn(deps: BillingCatalogDeps & { log: Logger }): Promise<void> {
  try {
    const catalog = await ensureBillingCatalog(deps);
    deps.log.info({ meterId: catalog.meterId, plans: catalog.plans.map((plan) => plan.planId) }, 'Stripe Billing catalog ensured');
  } catch (error) {
    deps.log.warn(
      { err: error },
      'Could not ensure the Stripe Billing catalog (overage meter, plan products and prices); subscriptions ensure their plan\'s prices when needed. Check STRIPE_SECRET_KEY and Stripe\'s status; restart the worker to retry now',
    );
  }
}

/** After an admin edits a plan: new prices now if Stripe answers; if not, the edit stands and getPlanPrices ensures them later. */
export async function ensurePlanPricesOrWarn(deps: BillingCatalogDeps & { log: Logger }, planId: string): Promise<void> {
  try {
    await getPlanPrices(deps, planId);
  } catch (error) {
    deps.log.warn({ err: error, planId }, 'Plan saved, but its Stripe prices could not be ensured now; they are ensured when a subscription needs them');
  }
}
