import Stripe from 'stripe';
import { AppError } from '../shared/errors';
import { sha256Hex } from '../shared/ids';
import { priceMatches, productIdFor, type CatalogPlan, type WantedPrice } from './billing-catalog-terms';

/**
 * The Stripe side of the catalog: find the meter, product and prices again, create what is
 * missing. Every create or update carries an idempotency key derived from Settle's own names and
 * the parameters it sends, so workers racing at start (or a retry) make one object, not two.
 */

export class MeterMisconfiguredError extends AppError {
  constructor(eventName: string, meterId: string) {
    super(
      409,
      'meter_misconfigured',
      `The active Stripe meter ${meterId} for event ${eventName} does not sum the 'value' of events keyed by 'stripe_customer_id', so overage would be billed wrongly; deactivate it in Stripe or set STRIPE_METER_EVENT_NAME (or STRIPE_TOKEN_METER_EVENT_NAME for the token meter) to another event name`,
      { event_name: eventName, meter_id: meterId },
    );
  }
}

/** The active meter for the event name, or a new one that sums the reported quantities (micro-credits, or tokens) per customer. */
export async function findOrCreateMeter(stripe: Stripe, eventName: string, displayName = 'Settle overage (micro-credits)'): Promise<string> {
  for await (const meter of stripe.billing.meters.list({ status: 'active', limit: 100 })) {
    if (meter.event_name !== eventName || meter.status !== 'active') continue;
    const fits = meter.default_aggregation.formula === 'sum'
      && meter.customer_mapping.type === 'by_id'
      && meter.customer_mapping.event_payload_key === 'stripe_customer_id'
      && meter.value_settings.event_payload_key === 'value';
    if (!fits) throw new MeterMisconfiguredError(eventName, meter.id);
    return meter.id;
  }
  const meter = await stripe.billing.meters.create(
    {
      display_name: displayName,
      event_name: eventName,
      default_aggregation: { formula: 'sum' },
      customer_mapping: { type: 'by_id', event_payload_key: 'stripe_customer_id' },
      value_settings: { event_payload_key: 'value' },
    },
    { idempotencyKey: `settle:meter:${eventName}` },
  );
  return meter.id;
}

type ProductPlan = Pick<CatalogPlan, 'id'> & { name: string };

/** The plan's product under its fixed id: retrieved, created when missing, renamed or reactivated to match the plan. */
export async function ensureProduct(stripe: Stripe, plan: ProductPlan): Promise<string> {
  const id = productIdFor(plan.id);
  const params = { name: plan.name, metadata: { settle_plan: plan.id } };
  // The name is part of the request, so it is part of the key: a renamed plan is another request.
  const nameKey = sha256Hex(plan.name).slice(0, 16);
  const existing = await retrieveProduct(stripe, id);
  if (!existing) {
    await stripe.products.create({ id, ...params }, { idempotencyKey: `settle:product:${plan.id}:${nameKey}` });
    return id;
  }
  if (existing.name !== plan.name || existing.metadata.settle_plan !== plan.id || !existing.active) {
    await stripe.products.update(id, { ...params, active: true }, { idempotencyKey: `settle:product-update:${plan.id}:${nameKey}` });
  }
  return id;
}

async function retrieveProduct(stripe: Stripe, id: string): Promise<Stripe.Product | null> {
  try {
    const product = await stripe.products.retrieve(id);
    return (product as Stripe.Product | Stripe.DeletedProduct).deleted ? null : product;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return null;
    throw error;
  }
}

/** The prices Stripe holds under these lookup keys (active ones; at most one per key). */
export async function listPricesByLookupKey(stripe: Stripe, lookupKeys: string[]): Promise<Stripe.Price[]> {
  const page = await stripe.prices.list({ lookup_keys: lookupKeys, active: true, limit: 100 });
  return page.data;
}

/**
 * The price found by its lookup key when it charges exactly the wanted terms; otherwise a new one
 * that takes the lookup key over (prices are immutable: an edited plan gets new ones, and
 * subscriptions made earlier keep the old ones). Keyed by plan + terms: the same terms, the same request.
 */
export async function findOrCreatePrice(
  stripe: Stripe,
  args: { planId: string; productId: string; meterId: string; wanted: WantedPrice; found: Stripe.Price[] },
): Promise<string> {
  const { wanted, productId } = args;
  const reusable = args.found.find((price) => priceMatches(price, wanted, productId));
  if (reusable) return reusable.id;
  const recurring: Stripe.PriceCreateParams.Recurring = wanted.kind === 'fee'
    ? { interval: 'month', interval_count: 1, usage_type: 'licensed' }
    : { interval: 'month', interval_count: 1, usage_type: 'metered', meter: args.meterId };
  const amount = wanted.kind === 'fee' ? { unit_amount: wanted.unitAmount! } : { unit_amount_decimal: wanted.unitAmountDecimal! };
  const price = await stripe.prices.create(
    {
      product: productId,
      currency: wanted.currency,
      ...amount,
      recurring,
      lookup_key: wanted.lookupKey,
      transfer_lookup_key: true,
      metadata: { settle_plan: args.planId, settle_kind: wanted.kind, settle_terms: wanted.terms },
    },
    { idempotencyKey: `settle:price:${args.planId}:${wanted.terms}` },
  );
  return price.id;
}
