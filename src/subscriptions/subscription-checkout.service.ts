import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../config/config';
import { ensureStripeCustomer } from '../checkout/purchase.service';
import { createSubscriptionCheckout } from '../integrations/stripe/subscriptions';
import { monthContaining, nextMonth } from '../periods/compute/calendar-month';
import { ConflictError, ValidationError } from '../shared/errors';
import { getPlanPrices, stripeTaxRatesFor } from './billing-catalog';
import { getPlan } from './plan-change.service';
import { findSubscription } from './subscriptions.queries';
import { devCheckoutUrl, usesLocalPaymentPage } from '../dev-checkout/dev-checkout-url';

export interface SubscriptionCheckoutDeps {
  db: Knex;
  stripe: Stripe;
  config: Config;
}

/**
 * POST /v1/subscription/checkout: a Checkout Session in subscription mode for a paid plan, with
 * the plan's fee and metered overage prices, the Stripe tax rates of the account's tax treatment,
 * and the billing cycle anchored on the 1st of next month (UTC), so Stripe's periods are Settle's
 * calendar months (the days until then are prorated by Stripe). The account travels as
 * `client_reference_id` and in the session's and the subscription's metadata.
 */
export async function startSubscriptionCheckout(
  deps: SubscriptionCheckoutDeps,
  input: { accountId: string; planId: string; successUrl: string; cancelUrl: string; requestId: string; now?: Date },
): Promise<{ checkout_url: string; session_id: string; plan: string }> {
  const plan = await getPlan(deps.db, input.planId);
  const prices = await getPlanPrices(deps, plan.id);
  if (!prices) throw new ValidationError(`Plan '${plan.id}' has no monthly fee to subscribe to`, { field: 'plan' });
  const row = await findSubscription(deps.db, input.accountId);
  if (row?.stripe_subscription_id && ['active', 'trialing', 'past_due'].includes(row.status)) {
    throw new ConflictError('This account already has a subscription: change its plan with POST /v1/subscription/change', { plan: row.plan_id, status: row.status });
  }
  const customerId = await ensureStripeCustomer(deps, input.accountId);
  const session = await createSubscriptionCheckout(deps.stripe, {
    accountId: input.accountId,
    planId: plan.id,
    customerId,
    feePriceId: prices.feePriceId,
    overagePriceId: plan.overage_allowed ? prices.overagePriceId : null,
    tokenOveragePriceId: plan.overage_allowed ? prices.tokenOveragePriceId : null,
    taxRateIds: await stripeTaxRatesFor(deps, input.accountId),
    billingCycleAnchor: nextMonth(monthContaining(input.now ?? new Date())).start,
    successUrl: input.successUrl,
    cancelUrl: input.cancelUrl,
    idempotencyKey: `subscription-checkout:${input.accountId}:${plan.id}:${input.requestId}`,
  });
  // stripe-mock's session url leads nowhere: the local payment page stands in for it.
  const checkoutUrl = usesLocalPaymentPage(deps.config) ? devCheckoutUrl(deps.config, { kind: 'subscription', accountId: input.accountId, plan: plan.id }) : session.url;
  return { checkout_url: checkoutUrl, session_id: session.id, plan: plan.id };
}
