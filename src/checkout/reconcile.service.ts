import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { CompletedSessionLister } from '../integrations/stripe/checkout';
import type { PaymentEvent, ReconcileResult } from './checkout.types';
import { signalCheckout } from './checkout-workflows';
import { pendingOrdersAmong, type PaymentOrderRow } from './payment-orders.queries';
import { purchaseOfSession } from './webhook-events';
import { closeOrder } from './settle.service';

/**
 * Missed webhooks: completed, paid Checkout Sessions whose order is still pending get their
 * checkoutToCredit workflow started (or joined) with the session Stripe listed as the payment
 * event. Stripe's own API answer is as authoritative as its signed event. Orders whose session
 * expired long ago with no event at all are closed as expired.
 */
export async function reconcilePaidSessions(
  deps: { db: Knex; temporal: Client; taskQueue: string; listSessions: CompletedSessionLister },
  since: Date,
): Promise<ReconcileResult['sessions']> {
  const sessions = await deps.listSessions(since);
  const paid = sessions.filter((s) => s.payment_status === 'paid' && (s.status ?? 'complete') === 'complete');
  const byPurchase = new Map<string, (typeof paid)[number]>();
  for (const session of paid) {
    const ref = purchaseOfSession(session);
    if (ref.kind === 'purchase') byPurchase.set(ref.purchaseId, session);
  }
  const pending = (await pendingOrdersAmong(deps.db, [...byPurchase.keys()])).filter((order) => order.source === 'checkout');
  for (const order of pending) {
    const session = byPurchase.get(order.id)!;
    const event: PaymentEvent = {
      eventId: `reconcile:${session.id}`,
      kind: 'completed',
      source: 'reconcile',
      amountTotal: session.amount_total === null ? null : String(session.amount_total),
      currency: session.currency,
      paymentStatus: session.payment_status,
      paymentIntent: session.payment_intent,
      sessionId: session.id,
      reference: null,
    };
    await signalCheckout(deps.temporal, deps.taskQueue, order, event);
  }
  const expired = await expireStaleOrders(deps.db, { since, now: new Date(), paid: new Set(byPurchase.keys()) });
  return { listed: sessions.length, paid: paid.length, started: pending.length, skipped: paid.length - pending.length, expired };
}

/**
 * Missed payment_intent.succeeded of direct purchases (a saved card charged off-session that
 * needed the customer, e.g. 3-D Secure): they have no Checkout Session to list, so each pending
 * one created inside the lookback asks Stripe for its PaymentIntent; a succeeded one goes to its
 * checkoutToCredit as the webhook would have sent it (`reconcile:<payment intent>`, credited once
 * under the ledger key purchase:<id> whoever comes first). Other states wait for their event.
 */
export async function reconcileDirectPurchases(
  deps: { db: Knex; stripe: Stripe; temporal: Client; taskQueue: string },
  since: Date,
): Promise<{ checked: number; started: number; failed: number }> {
  const pending: PaymentOrderRow[] = await deps.db<PaymentOrderRow>('payment_orders')
    .where({ status: 'pending' })
    .whereNotNull('payment_method')
    .whereNotNull('stripe_payment_intent')
    .where('created_at', '>', since)
    .orderBy('created_at');
  let [started, failed] = [0, 0];
  for (const order of pending) {
    // One intent Stripe cannot answer for does not hold up the others; the next pass asks again.
    const intent = await deps.stripe.paymentIntents.retrieve(order.stripe_payment_intent!).catch(() => null);
    if (!intent) failed++;
    if (intent?.status !== 'succeeded') continue;
    const event: PaymentEvent = {
      eventId: `reconcile:${intent.id}`,
      kind: 'async_succeeded',
      source: 'reconcile',
      amountTotal: String(intent.amount_received),
      currency: intent.currency,
      paymentStatus: 'paid',
      paymentIntent: intent.id,
      sessionId: null,
      reference: null,
    };
    await signalCheckout(deps.temporal, deps.taskQueue, order, event);
    started++;
  }
  return { checked: pending.length, started, failed };
}

/** A Checkout Session expires, and Stripe says so within minutes; an hour covers a late event. */
const EXPIRY_GRACE_MS = 60 * 60 * 1000;

/**
 * Orders whose Checkout Session expired more than an hour ago, with no event at all (the
 * checkout.session.expired webhook was lost), are closed `expired`, as that event would have.
 * Only sessions inside the lookback window, so Stripe's listing of paid sessions covers them: an
 * order Stripe listed as paid in this pass is never expired, whatever its session's expiry says.
 */
async function expireStaleOrders(db: Knex, input: { since: Date; now: Date; paid: Set<string> }): Promise<number> {
  const stale: Array<{ id: string }> = await db('payment_orders')
    .where({ source: 'checkout', status: 'pending', awaiting_async_payment: false })
    .where('expires_at', '<', new Date(input.now.getTime() - EXPIRY_GRACE_MS))
    .where('expires_at', '>', input.since)
    .select('id');
  let expired = 0;
  for (const { id } of stale) {
    if (input.paid.has(id)) continue;
    const outcome = await closeOrder(db, id, 'expired', 'the Checkout Session expired unpaid (no expiry event arrived)');
    if (outcome.kind === 'closed') expired++;
  }
  return expired;
}
