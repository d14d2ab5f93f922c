import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { CompletedSessionLister } from '../integrations/stripe/checkout';
import type { PaymentEvent, ReconcileResult } from './checkout.types';
import { signalCheckout } from './checkout-workflows';
import { pendingOrdersAmong } from './payment-orders.queries';
import { purchaseOfSession } from './webhook-events';

/**
 * Missed webhooks: completed, paid Checkout Sessions whose order is still pending get their
 * checkoutToCredit workflow started (or joined) with the session Stripe listed as the payment
 * event. Stripe's own API answer is as authoritative as its signed event.
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
  return { listed: sessions.length, paid: paid.length, started: pending.length, skipped: paid.length - pending.length };
}
