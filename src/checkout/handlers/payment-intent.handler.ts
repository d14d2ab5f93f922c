import { z } from 'zod';
import type { WebhookHandler } from '../webhook-context';
import type { PaymentEvent } from '../checkout.types';
import { findPaymentOrder } from '../payment-orders.queries';
import { signalCheckout } from '../checkout-workflows';

const paymentIntentSchema = z.looseObject({
  id: z.string(),
  object: z.literal('payment_intent'),
  amount_received: z.number().int().nullable().optional(),
  currency: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
});

/**
 * payment_intent.succeeded / payment_failed of a direct purchase (an off-session charge that
 * waited for the customer, e.g. 3-D Secure): the signed intent goes to the purchase's
 * checkoutToCredit workflow like a Checkout event. Checkout orders settle from their session's
 * events, so their intents are ignored here.
 */
export const handlePaymentIntentEvent: WebhookHandler = async (event, ctx) => {
  const parsed = paymentIntentSchema.safeParse(event.data.object);
  if (!parsed.success) return 'invalid_payload';
  const purchaseId = parsed.data.metadata?.purchase_id;
  if (!purchaseId) return 'ignored:no_purchase_id';
  const order = await findPaymentOrder(ctx.db, purchaseId);
  if (!order) return 'unknown_purchase';
  if (!order.payment_method) return 'ignored:not_a_direct_purchase';
  if (order.stripe_payment_intent && order.stripe_payment_intent !== parsed.data.id) return 'ignored:other_payment_intent';
  const succeeded = event.type === 'payment_intent.succeeded';
  const payment: PaymentEvent = {
    eventId: event.id,
    kind: succeeded ? 'async_succeeded' : 'async_failed',
    source: 'webhook',
    amountTotal: parsed.data.amount_received == null ? null : String(parsed.data.amount_received),
    currency: parsed.data.currency ?? null,
    paymentStatus: succeeded && parsed.data.status === 'succeeded' ? 'paid' : (parsed.data.status ?? null),
    paymentIntent: parsed.data.id,
    sessionId: null,
    reference: null,
  };
  await signalCheckout(ctx.temporal, ctx.taskQueue, order, payment);
  return 'signalled';
};
