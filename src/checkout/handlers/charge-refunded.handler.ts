import { listChargeRefunds } from '../../integrations/stripe/checkout';
import type { WebhookContext, WebhookHandler } from '../webhook-context';
import { chargeSchema, idOf, type RefundObject } from '../webhook-events';
import { findOrderByPaymentIntent, findPaymentOrder, type PaymentOrderRow } from '../payment-orders.queries';
import { recordConfirmedRefund } from '../refund.service';
import { startRefundWorkflow } from '../checkout-workflows';

/**
 * The refunded purchase: the one named in the refund's or charge's metadata, unless it was paid
 * with another payment intent than the refunded charge's (then the charge's own purchase wins);
 * without metadata, found by payment intent.
 */
async function orderOf(ctx: WebhookContext, purchaseId: string | undefined, paymentIntent: string | null): Promise<PaymentOrderRow | null> {
  const named = purchaseId ? await findPaymentOrder(ctx.db, purchaseId) : null;
  if (named && (!paymentIntent || !named.stripe_payment_intent || named.stripe_payment_intent === paymentIntent)) return named;
  return paymentIntent ? findOrderByPaymentIntent(ctx.db, paymentIntent) : null;
}

/**
 * charge.refunded: each succeeded refund of the charge becomes (or confirms) a refund row, and
 * its refund workflow `refund:<id>` claws the credits back once. The signed event is the authority
 * for the refunded amount; an admin's request only asked for it.
 */
export const handleChargeRefunded: WebhookHandler = async (event, ctx) => {
  const parsed = chargeSchema.safeParse(event.data.object);
  if (!parsed.success) return 'invalid_payload';
  const charge = parsed.data;
  // API versions since 2022-11-15 leave `refunds` out of the charge: ask Stripe for them.
  const refunds: RefundObject[] = charge.refunds?.data ?? ((await listChargeRefunds(ctx.stripe, charge.id)) as unknown as RefundObject[]);
  const outcomes: string[] = [];
  for (const refund of refunds) {
    if (refund.status !== 'succeeded') {
      outcomes.push(`${refund.id}:ignored_${refund.status ?? 'unknown'}`);
      continue;
    }
    const order = await orderOf(
      ctx,
      refund.metadata?.purchase_id ?? charge.metadata?.purchase_id,
      idOf(refund.payment_intent) ?? idOf(charge.payment_intent),
    );
    if (!order) {
      outcomes.push(`${refund.id}:unknown_purchase`);
      continue;
    }
    const row = await recordConfirmedRefund(ctx.db, order, refund, { chargeId: charge.id, eventId: event.id });
    if (row.status === 'applied') {
      outcomes.push(`${row.id}:already_applied`);
      continue;
    }
    const started = await startRefundWorkflow(ctx.temporal, ctx.taskQueue, { refundId: row.id, purchaseId: order.id });
    outcomes.push(`${row.id}:${started === 'started' ? 'refund_started' : 'already_applied'}`);
  }
  return outcomes.length ? outcomes.join(',').slice(0, 1000) : 'ignored:no_refunds';
};
