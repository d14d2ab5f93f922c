import type { WebhookHandler } from '../webhook-context';
import { checkoutSessionSchema, paymentEventFromSession, purchaseOfSession } from '../webhook-events';
import { findPaymentOrder } from '../payment-orders.queries';
import { signalCheckout } from '../checkout-workflows';
import { handleSubscriptionCheckout } from '../../subscriptions/handlers/subscription-events.handler';

/**
 * checkout.session.completed / async_payment_succeeded / async_payment_failed / expired: hand the
 * signed session to the purchase's checkoutToCredit workflow, which decides what it means.
 */
export const handleCheckoutSessionEvent: WebhookHandler = async (event, ctx) => {
  if (event.data.object.mode === 'subscription') {
    return event.type === 'checkout.session.completed' ? handleSubscriptionCheckout(event, ctx) : 'ignored:subscription_session';
  }
  const parsed = checkoutSessionSchema.safeParse(event.data.object);
  if (!parsed.success) return 'invalid_payload';
  const ref = purchaseOfSession(parsed.data);
  if (ref.kind === 'none') return 'ignored:no_purchase_id';
  if (ref.kind === 'conflicting') return 'invalid_payload:conflicting_purchase_ids';
  const order = await findPaymentOrder(ctx.db, ref.purchaseId);
  if (!order) return 'unknown_purchase';
  if (order.source !== 'checkout') return 'ignored:not_a_checkout_order';
  await signalCheckout(ctx.temporal, ctx.taskQueue, order, paymentEventFromSession(event.id, event.type, parsed.data));
  return 'signalled';
};
