import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import { findPlan, listPlans, type PlanRow } from '../catalog/catalog.queries';
import type { Config } from '../config/config';
import { ValidationError } from '../shared/errors';
import { isPaidPlan, productIdFor, wantedPlanPrices, type CatalogPlan, type WantedPrice } from './billing-catalog-terms';
import { currentPlanPrices, findMeterId, recordCurrentPlanPrices, saveMeterId } from './billing-catalog.queries';
import { ensureProduct, findOrCreateMeter, findOrCreatePrice, listPricesByLookupKey } from './billing-catalog-stripe';

// One import site for the subscription code: its prices and its tax rates.
export { stripeTaxRatesFor } from './stripe-tax-rates';

/**
 * Settle's paid plans as Stripe Billing objects: the overage meters (credits and tokens), a
 * product per paid plan, its monthly fee price and its metered credit and token overage prices.
 * Ensured at worker start (idempotent, safe from several workers), after an admin edits a plan,
 * and on demand when a subscription needs prices.
 */
export interface BillingCatalogDeps {
  db: Knex;
  stripe: Stripe;
  config: Pick<Config, 'STRIPE_METER_EVENT_NAME' | 'STRIPE_TOKEN_METER_EVENT_NAME' | 'SELLER_COUNTRY'>;
}

export interface PlanPrices {
  productId: string;
  feePriceId: string;
  overagePriceId: string;
  tokenOveragePriceId: string;
}

interface Meters {
  meterId: string;
  tokenMeterId: string;
}

export interface BillingCatalog extends Meters {
  plans: Array<{ planId: string; feePriceId: string; overagePriceId: string; tokenOveragePriceId: string }>;
}

export function catalogPlanOf(row: PlanRow): CatalogPlan & { name: string } {
  return {
    id: row.id,
    name: row.name,
    monthlyPriceMinor: BigInt(row.monthly_price_minor),
    currency: row.currency,
    overageAllowed: row.overage_allowed,
    overagePriceMinorPerCredit: BigInt(row.overage_price_minor_per_credit),
    overagePriceMinorPerMillionTokens: BigInt(row.overage_price_minor_per_million_tokens ?? 0),
  };
}

/** Asks Stripe for a meter (finding or creating it) and remembers its id. */
async function ensureMeter(deps: BillingCatalogDeps, eventName: string, displayName: string): Promise<string> {
  const meterId = await findOrCreateMeter(deps.stripe, eventName, displayName);
  await saveMeterId(deps.db, eventName, meterId);
  return meterId;
}

/** The credits meter and the token meter: recorded ids, else found or created in Stripe. */
async function ensureMeters(deps: BillingCatalogDeps, options: { recorded: boolean }): Promise<Meters> {
  const meter = async (eventName: string, displayName: string) =>
    (options.recorded ? await findMeterId(deps.db, eventName) : null) ?? (await ensureMeter(deps, eventName, displayName));
  return {
    meterId: await meter(deps.config.STRIPE_METER_EVENT_NAME, 'Settle overage (micro-credits)'),
    tokenMeterId: await meter(deps.config.STRIPE_TOKEN_METER_EVENT_NAME, 'Settle token overage (tokens)'),
  };
}

/** Stripe is asked for the plan's product and prices (never inside a transaction); the answer is recorded after. */
async function ensurePlanPrices(deps: BillingCatalogDeps, plan: CatalogPlan & { name: string }, meters: Meters): Promise<PlanPrices> {
  const wanted = wantedPlanPrices(plan, meters.meterId, meters.tokenMeterId);
  const productId = await ensureProduct(deps.stripe, plan);
  const found = await listPricesByLookupKey(deps.stripe, [wanted.fee.lookupKey, wanted.overage.lookupKey, wanted.tokenOverage.lookupKey]);
  const ensurePrice = (meterId: string, price: WantedPrice) => findOrCreatePrice(deps.stripe, { planId: plan.id, productId, meterId, wanted: price, found });
  const feePriceId = await ensurePrice(meters.meterId, wanted.fee);
  const overagePriceId = await ensurePrice(meters.meterId, wanted.overage);
  const tokenOveragePriceId = await ensurePrice(meters.tokenMeterId, wanted.tokenOverage);
  const row = (price: WantedPrice, stripePriceId: string) =>
    ({ plan_id: plan.id, kind: price.kind, terms: price.terms, stripe_price_id: stripePriceId, stripe_product_id: productId, lookup_key: price.lookupKey });
  await recordCurrentPlanPrices(deps.db, plan.id, [row(wanted.fee, feePriceId), row(wanted.overage, overagePriceId), row(wanted.tokenOverage, tokenOveragePriceId)]);
  return { productId, feePriceId, overagePriceId, tokenOveragePriceId };
}

/** The meters and every paid plan's prices, checked against Stripe (the source of truth) and recorded. */
export async function ensureBillingCatalog(deps: BillingCatalogDeps): Promise<BillingCatalog> {
  const meters = await ensureMeters(deps, { recorded: false });
  const plans: BillingCatalog['plans'] = [];
  // By id: every worker (and every run) sends its requests in the same order.
  const rows = (await listPlans(deps.db)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const row of rows) {
    const plan = catalogPlanOf(row);
    if (!isPaidPlan(plan)) continue;
    const prices = await ensurePlanPrices(deps, plan, meters);
    plans.push({ planId: plan.id, feePriceId: prices.feePriceId, overagePriceId: prices.overagePriceId, tokenOveragePriceId: prices.tokenOveragePriceId });
  }
  return { ...meters, plans };
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
  const meters = await ensureMeters(deps, { recorded: true });
  const wanted = wantedPlanPrices(plan, meters.meterId, meters.tokenMeterId);
  const current = await currentPlanPrices(deps.db, planId);
  const recorded = (price: WantedPrice) => current.find((row) => row.kind === price.kind && row.terms === price.terms)?.stripe_price_id;
  const [feePriceId, overagePriceId, tokenOveragePriceId] = [recorded(wanted.fee), recorded(wanted.overage), recorded(wanted.tokenOverage)];
  if (feePriceId && overagePriceId && tokenOveragePriceId) return { productId: productIdFor(planId), feePriceId, overagePriceId, tokenOveragePriceId };
  return ensurePlanPrices(deps, plan, meters);
}

/**
 * Worker start: the catalog is ensured, but Stripe being unreachable must not keep the worker
 * down: prices are ensured again on demand by getPlanPrices.
 */
export async function ensureBillingCatalogOrWarn(deps: BillingCatalogDeps & { log: Logger }): Promise<void> {
  try {
    const catalog = await ensureBillingCatalog(deps);
    deps.log.info({ meterId: catalog.meterId, tokenMeterId: catalog.tokenMeterId, plans: catalog.plans.map((plan) => plan.planId) }, 'Stripe Billing catalog ensured');
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
