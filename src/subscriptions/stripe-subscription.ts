import { z } from 'zod';
import type { SubscriptionSnapshot, SubscriptionStatus } from './subscription.types';

/**
 * Reads a Stripe Subscription (customer.subscription.* events) or a Checkout Session in
 * subscription mode into what Settle keeps. Stripe's current shape has the period dates on each
 * subscription item; older API versions had them on the subscription: both are read.
 * The plan comes from the prices Settle created (metadata `settle_plan`, lookup key
 * `settle:<plan>:fee`), else from the subscription's own metadata.
 */
const expandableId = z.union([z.string(), z.looseObject({ id: z.string() })]).nullable().optional();
const idOf = (value: z.infer<typeof expandableId>): string | null => (value == null ? null : typeof value === 'string' ? value : value.id);
const metadata = z.record(z.string(), z.string()).nullable().optional();

const priceSchema = z.looseObject({
  id: z.string(),
  lookup_key: z.string().nullable().optional(),
  metadata,
  recurring: z.looseObject({ usage_type: z.string().nullable().optional() }).nullable().optional(),
});
const itemSchema = z.looseObject({
  price: priceSchema,
  current_period_start: z.number().int().nullable().optional(),
  current_period_end: z.number().int().nullable().optional(),
});
export const stripeSubscriptionSchema = z.looseObject({
  id: z.string().min(1).max(255),
  object: z.literal('subscription'),
  customer: expandableId,
  status: z.string(),
  cancel_at_period_end: z.boolean().nullable().optional(),
  current_period_start: z.number().int().nullable().optional(),
  current_period_end: z.number().int().nullable().optional(),
  metadata,
  items: z.looseObject({ data: z.array(itemSchema) }).nullable().optional(),
});
export type StripeSubscriptionObject = z.infer<typeof stripeSubscriptionSchema>;

export const subscriptionSessionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('checkout.session'),
  mode: z.literal('subscription'),
  client_reference_id: z.string().nullable().optional(),
  metadata,
  customer: expandableId,
  subscription: expandableId,
  payment_status: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
});

const STATUS_OF: Record<string, SubscriptionStatus> = {
  incomplete: 'incomplete',
  incomplete_expired: 'canceled',
  trialing: 'trialing',
  active: 'active',
  past_due: 'past_due',
  unpaid: 'past_due',
  paused: 'past_due',
  canceled: 'canceled',
};

const iso = (seconds: number | null | undefined): string | null => (seconds == null ? null : new Date(seconds * 1000).toISOString());
const planOfPrice = (price: z.infer<typeof priceSchema>): string | null =>
  price.metadata?.settle_plan ?? /^settle:([^:]+):(fee|overage|token_overage)$/.exec(price.lookup_key ?? '')?.[1] ?? null;
/** The token overage price (issue 15) is metered too: the credit overage item is the other one. */
const isTokenOveragePrice = (price: z.infer<typeof priceSchema>): boolean =>
  price.metadata?.settle_kind === 'token_overage' || (price.lookup_key ?? '').endsWith(':token_overage');

export function snapshotOfSubscription(subscription: StripeSubscriptionObject): SubscriptionSnapshot {
  const items = subscription.items?.data ?? [];
  const fee = items.find((item) => item.price.recurring?.usage_type !== 'metered') ?? null;
  const overage = items.find((item) => item.price.recurring?.usage_type === 'metered' && !isTokenOveragePrice(item.price)) ?? null;
  const planId = (fee && planOfPrice(fee.price)) ?? (overage && planOfPrice(overage.price)) ?? subscription.metadata?.plan ?? null;
  const dated = items.find((item) => item.current_period_start != null) ?? null;
  return {
    stripeSubscriptionId: subscription.id,
    stripeCustomerId: idOf(subscription.customer),
    status: STATUS_OF[subscription.status] ?? 'incomplete',
    planId,
    cancelAtPeriodEnd: subscription.cancel_at_period_end ?? null,
    currentPeriodStart: iso(dated?.current_period_start ?? subscription.current_period_start),
    currentPeriodEnd: iso(dated?.current_period_end ?? subscription.current_period_end),
    feePriceId: fee?.price.id ?? null,
    overagePriceId: overage?.price.id ?? null,
  };
}

/** A completed subscription checkout: paid means the subscription is active on the plan it was bought for. */
export function snapshotOfSession(session: z.infer<typeof subscriptionSessionSchema>): SubscriptionSnapshot {
  const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
  return {
    stripeSubscriptionId: idOf(session.subscription),
    stripeCustomerId: idOf(session.customer),
    status: paid ? 'active' : 'incomplete',
    planId: session.metadata?.plan ?? null,
    cancelAtPeriodEnd: null,
    currentPeriodStart: null,
    currentPeriodEnd: null,
    feePriceId: null,
    overagePriceId: null,
  };
}

/** The account a subscription object names (set by Settle on the session and the subscription). */
export function accountOfObject(object: { client_reference_id?: string | null; metadata?: Record<string, string> | null }): string | null {
  const named = [object.client_reference_id, object.metadata?.account_id].filter((v): v is string => typeof v === 'string' && /^acct_[A-Za-z0-9]+$/.test(v));
  return named[0] ?? null;
}
