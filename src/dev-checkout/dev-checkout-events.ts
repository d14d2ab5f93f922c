import crypto from 'node:crypto';

/**
 * The Stripe events the local payment page sends, shaped as Stripe sends them (API version
 * 2025-08-27.basil) so the webhook endpoint cannot tell them from the real ones. Pure: ids and
 * times come in.
 */
export const DEV_API_VERSION = '2025-08-27.basil';

export interface StripeEventEnvelope {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
  type: string;
}

export function envelope(type: string, object: Record<string, unknown>, id: string, created: number): StripeEventEnvelope {
  return { id, object: 'event', api_version: DEV_API_VERSION, created, data: { object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type };
}

export const randomStripeId = (prefix: string) => `${prefix}_dev${crypto.randomBytes(12).toString('hex')}`;

export interface PurchaseSession {
  purchaseId: string;
  accountId: string;
  sessionId: string;
  customerId: string | null;
  amountMinor: bigint;
  currency: string;
  expiresAt: number;
}

export type PurchaseEventKind = 'completed_paid' | 'completed_unpaid' | 'async_payment_succeeded' | 'async_payment_failed' | 'expired';

const TYPE_OF: Record<PurchaseEventKind, string> = {
  completed_paid: 'checkout.session.completed',
  completed_unpaid: 'checkout.session.completed',
  async_payment_succeeded: 'checkout.session.async_payment_succeeded',
  async_payment_failed: 'checkout.session.async_payment_failed',
  expired: 'checkout.session.expired',
};

/**
 * A purchase session event. Its id is derived from the purchase and the kind, so pressing a
 * button twice (or `settle dev pay` after the page) delivers the same event again, which the
 * webhook deduplicates, as it would a Stripe retry.
 */
export function purchaseSessionEvent(session: PurchaseSession, kind: PurchaseEventKind, now: number): StripeEventEnvelope {
  const paid = kind === 'completed_paid' || kind === 'async_payment_succeeded';
  return envelope(
    TYPE_OF[kind],
    {
      id: session.sessionId,
      object: 'checkout.session',
      amount_subtotal: Number(session.amountMinor),
      amount_total: Number(session.amountMinor),
      client_reference_id: session.purchaseId,
      created: now,
      currency: session.currency,
      customer: session.customerId,
      expires_at: session.expiresAt,
      livemode: false,
      metadata: { purchase_id: session.purchaseId, account_id: session.accountId },
      mode: 'payment',
      payment_intent: `pi_dev_${session.purchaseId.slice(4)}`,
      payment_status: paid ? 'paid' : 'unpaid',
      status: kind === 'expired' ? 'expired' : 'complete',
      url: null,
    },
    `evt_dev_${session.purchaseId.slice(4)}_${kind}`,
    now,
  );
}

export interface SubscriptionSession {
  accountId: string;
  plan: string;
  customerId: string;
  subscriptionId: string;
  sessionId: string;
  amountMinor: bigint;
  currency: string;
  overage: boolean;
}

/** A subscription checkout: the completed session and, when it was paid or left unpaid, the subscription Stripe creates. */
export function subscriptionCheckoutEvents(session: SubscriptionSession, outcome: 'paid' | 'unpaid' | 'expired', now: number, periodEnd: number): StripeEventEnvelope[] {
  const sessionObject = {
    id: session.sessionId,
    object: 'checkout.session',
    mode: 'subscription',
    client_reference_id: session.accountId,
    customer: session.customerId,
    subscription: outcome === 'expired' ? null : session.subscriptionId,
    metadata: { account_id: session.accountId, plan: session.plan },
    payment_status: outcome === 'paid' ? 'paid' : 'unpaid',
    status: outcome === 'expired' ? 'expired' : 'complete',
    amount_total: Number(session.amountMinor),
    currency: session.currency,
  };
  if (outcome === 'expired') return [envelope('checkout.session.expired', sessionObject, randomStripeId('evt'), now)];
  const period = { current_period_start: now, current_period_end: periodEnd };
  const price = (kind: 'fee' | 'overage') => ({
    id: `price_dev_${session.plan}_${kind}`,
    object: 'price',
    lookup_key: `settle:${session.plan}:${kind}`,
    metadata: { settle_plan: session.plan, settle_kind: kind },
    recurring: { interval: 'month', usage_type: kind === 'fee' ? 'licensed' : 'metered' },
  });
  const items = [{ id: randomStripeId('si'), object: 'subscription_item', price: price('fee'), quantity: 1, ...period }];
  if (session.overage) items.push({ id: randomStripeId('si'), object: 'subscription_item', price: price('overage'), ...period } as (typeof items)[number]);
  const subscription = {
    id: session.subscriptionId,
    object: 'subscription',
    customer: session.customerId,
    status: outcome === 'paid' ? 'active' : 'incomplete',
    cancel_at_period_end: false,
    billing_cycle_anchor: periodEnd,
    metadata: { account_id: session.accountId, plan: session.plan },
    items: { object: 'list', data: items },
  };
  return [
    envelope('checkout.session.completed', sessionObject, randomStripeId('evt'), now),
    envelope('customer.subscription.created', subscription, randomStripeId('evt'), now),
  ];
}
