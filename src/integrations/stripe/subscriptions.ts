import type Stripe from 'stripe';

/**
 * The Stripe calls of subscriptions. Each change carries an idempotency key derived from the
 * account and the request that asked for it, so a retried activity changes Stripe once.
 */
export interface SubscriptionCheckoutRequest {
  accountId: string;
  planId: string;
  customerId: string;
  feePriceId: string;
  overagePriceId: string | null;
  /** metered on the token meter (issue 15); null for plans without overage */
  tokenOveragePriceId: string | null;
  taxRateIds: string[];
  /** first instant of next month (UTC): Stripe's periods are then Settle's calendar months */
  billingCycleAnchor: Date;
  successUrl: string;
  cancelUrl: string;
  idempotencyKey: string;
}

export async function createSubscriptionCheckout(stripe: Stripe, request: SubscriptionCheckoutRequest): Promise<{ id: string; url: string }> {
  const metadata = { account_id: request.accountId, plan: request.planId };
  const taxRates = request.taxRateIds.length ? { tax_rates: request.taxRateIds } : {};
  const session = await stripe.checkout.sessions.create(
    {
      mode: 'subscription',
      customer: request.customerId,
      client_reference_id: request.accountId,
      metadata,
      line_items: [
        { price: request.feePriceId, quantity: 1, ...taxRates },
        // Metered prices take no quantity: Stripe bills what the meter summed.
        ...(request.overagePriceId ? [{ price: request.overagePriceId, ...taxRates }] : []),
        ...(request.tokenOveragePriceId ? [{ price: request.tokenOveragePriceId, ...taxRates }] : []),
      ],
      subscription_data: {
        metadata,
        billing_cycle_anchor: Math.floor(request.billingCycleAnchor.getTime() / 1000),
        proration_behavior: 'create_prorations',
      },
      success_url: request.successUrl,
      cancel_url: request.cancelUrl,
    },
    { idempotencyKey: request.idempotencyKey },
  );
  if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a url`);
  return { id: session.id, url: session.url };
}

/** Settle's token overage price, told from the credit overage price (both are metered). */
const isTokenOveragePrice = (price: Stripe.Price): boolean =>
  price.metadata?.settle_kind === 'token_overage' || (price.lookup_key ?? '').endsWith(':token_overage');

/**
 * Moves a subscription onto another plan's prices. Upgrades are prorated and invoiced at once;
 * downgrades (and their undoing) are not prorated: the period already paid stays as it was.
 * A subscription made before token overage was billed gets the token overage item added.
 */
export async function switchSubscriptionPrices(
  stripe: Stripe,
  request: {
    subscriptionId: string;
    planId: string;
    feePriceId: string;
    overagePriceId: string | null;
    tokenOveragePriceId: string | null;
    taxRateIds: string[];
    prorate: boolean;
    idempotencyKey: string;
  },
): Promise<void> {
  const current = await stripe.subscriptions.retrieve(request.subscriptionId);
  const items = current.items.data;
  const licensed = items.find((item) => item.price.recurring?.usage_type !== 'metered');
  const metered = items.find((item) => item.price.recurring?.usage_type === 'metered' && !isTokenOveragePrice(item.price));
  const meteredTokens = items.find((item) => item.price.recurring?.usage_type === 'metered' && isTokenOveragePrice(item.price));
  // The tax rates of the account's treatment today travel with the new prices, as at checkout.
  const taxRates = request.taxRateIds.length ? { tax_rates: request.taxRateIds } : {};
  const changes: Stripe.SubscriptionUpdateParams.Item[] = [
    licensed ? { id: licensed.id, price: request.feePriceId, quantity: 1, ...taxRates } : { price: request.feePriceId, quantity: 1, ...taxRates },
  ];
  if (request.overagePriceId) changes.push(metered ? { id: metered.id, price: request.overagePriceId, ...taxRates } : { price: request.overagePriceId, ...taxRates });
  else if (metered) changes.push({ id: metered.id, deleted: true });
  if (request.tokenOveragePriceId) {
    changes.push(meteredTokens ? { id: meteredTokens.id, price: request.tokenOveragePriceId, ...taxRates } : { price: request.tokenOveragePriceId, ...taxRates });
  } else if (meteredTokens) changes.push({ id: meteredTokens.id, deleted: true });
  await stripe.subscriptions.update(
    request.subscriptionId,
    {
      items: changes,
      proration_behavior: request.prorate ? 'always_invoice' : 'none',
      metadata: { plan: request.planId },
    },
    { idempotencyKey: request.idempotencyKey },
  );
}

export async function setCancelAtPeriodEnd(stripe: Stripe, subscriptionId: string, cancel: boolean, idempotencyKey: string): Promise<void> {
  await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: cancel }, { idempotencyKey });
}

export async function createPortalSession(stripe: Stripe, customerId: string, returnUrl: string): Promise<string> {
  const session = await stripe.billingPortal.sessions.create({ customer: customerId, return_url: returnUrl });
  return session.url;
}
