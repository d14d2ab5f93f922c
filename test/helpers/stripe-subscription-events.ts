import crypto from 'node:crypto';
import { newEventId } from './stripe-events';

/**
 * Stripe's subscription events as they arrive (API version 2025-08-27.basil: period dates on the
 * items, the invoice's subscription under parent.subscription_details), for signing with
 * postWebhook. `created` is the event's Stripe time in epoch seconds: tests set it to reorder.
 */
const rand = (n = 14) => crypto.randomBytes(n).toString('hex').slice(0, n);
const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface SubscriptionFixture {
  accountId: string;
  subscriptionId: string;
  customerId: string;
}

export function newSubscriptionFixture(accountId: string): SubscriptionFixture {
  return { accountId, subscriptionId: `sub_test${rand(16)}`, customerId: `cus_test${rand(12)}` };
}

function envelope(type: string, object: Record<string, unknown>, created: number, id = newEventId()) {
  return { id, object: 'event', api_version: '2025-08-27.basil', created, data: { object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type };
}

export function subscriptionCheckoutCompleted(fixture: SubscriptionFixture, plan: string, options: { created?: number; paymentStatus?: string } = {}) {
  return envelope(
    'checkout.session.completed',
    {
      id: `cs_test_${rand(24)}`,
      object: 'checkout.session',
      mode: 'subscription',
      client_reference_id: fixture.accountId,
      customer: fixture.customerId,
      subscription: fixture.subscriptionId,
      metadata: { account_id: fixture.accountId, plan },
      payment_status: options.paymentStatus ?? 'paid',
      status: 'complete',
      amount_total: 4900,
      currency: 'usd',
    },
    options.created ?? nowSeconds(),
  );
}

export type SubscriptionEventType = 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted';

export function subscriptionEvent(
  type: SubscriptionEventType,
  fixture: SubscriptionFixture,
  options: { plan: string; status?: string; cancelAtPeriodEnd?: boolean; created?: number; namedAccount?: boolean; periodStart?: Date; periodEnd?: Date },
) {
  const now = new Date();
  const start = options.periodStart ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = options.periodEnd ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const period = { current_period_start: Math.floor(start.getTime() / 1000), current_period_end: Math.floor(end.getTime() / 1000) };
  const price = (kind: 'fee' | 'overage') => ({
    id: `price_${options.plan}_${kind}`,
    object: 'price',
    lookup_key: `settle:${options.plan}:${kind}`,
    metadata: { settle_plan: options.plan, settle_kind: kind },
    recurring: { interval: 'month', usage_type: kind === 'fee' ? 'licensed' : 'metered' },
  });
  return envelope(
    type,
    {
      id: fixture.subscriptionId,
      object: 'subscription',
      customer: fixture.customerId,
      status: options.status ?? (type === 'customer.subscription.deleted' ? 'canceled' : 'active'),
      cancel_at_period_end: options.cancelAtPeriodEnd ?? false,
      billing_cycle_anchor: period.current_period_end,
      metadata: options.namedAccount === false ? {} : { account_id: fixture.accountId, plan: options.plan },
      items: {
        object: 'list',
        data: [
          { id: `si_${rand(12)}`, object: 'subscription_item', price: price('fee'), quantity: 1, ...period },
          { id: `si_${rand(12)}`, object: 'subscription_item', price: price('overage'), ...period },
        ],
      },
    },
    options.created ?? nowSeconds(),
  );
}

export function subscriptionInvoiceEvent(
  type: 'invoice.paid' | 'invoice.payment_failed',
  fixture: SubscriptionFixture,
  options: { amountDue: number; tax?: number; invoiceId?: string; created?: number; periodStart?: Date; periodEnd?: Date; namedAccount?: boolean },
) {
  const paid = type === 'invoice.paid';
  const periodStart = Math.floor((options.periodStart?.getTime() ?? Date.now()) / 1000);
  const periodEnd = Math.floor((options.periodEnd?.getTime() ?? Date.now()) / 1000);
  return envelope(
    type,
    {
      id: options.invoiceId ?? `in_test${rand(16)}`,
      object: 'invoice',
      customer: fixture.customerId,
      currency: 'usd',
      status: paid ? 'paid' : 'open',
      amount_due: options.amountDue,
      amount_paid: paid ? options.amountDue : 0,
      amount_remaining: paid ? 0 : options.amountDue,
      total: options.amountDue,
      total_taxes: options.tax ? [{ amount: options.tax, tax_behavior: 'exclusive', taxability_reason: 'standard_rated' }] : [],
      billing_reason: 'subscription_cycle',
      period_start: periodStart,
      period_end: periodEnd,
      created: options.created ?? nowSeconds(),
      parent: { type: 'subscription_details', subscription_details: { subscription: fixture.subscriptionId, metadata: options.namedAccount === false ? {} : { account_id: fixture.accountId } } },
    },
    options.created ?? nowSeconds(),
  );
}
