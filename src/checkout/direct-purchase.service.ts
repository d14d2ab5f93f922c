import type { Client } from '@temporalio/client';
import { chargeSavedPaymentMethod } from '../auto-recharge/charge-recharge';
import { microToCredits, minorToMajor } from '../shared/amounts';
import { AppError, UnavailableError } from '../shared/errors';
import type { PaymentEvent } from './checkout.types';
import { signalCheckout } from './checkout-workflows';
import { findPaymentOrder, updateOrderFrom, type PaymentOrderRow } from './payment-orders.queries';
import { ensureStripeCustomer, purchaseProductName, recordPurchaseOrder, type NewPurchase, type PurchaseDeps } from './purchase.service';

/** How long the request waits for checkoutToCredit to credit a paid charge before answering 202. */
const SETTLE_WAIT_MS = 10_000;

export interface DirectPurchaseDeps extends PurchaseDeps {
  temporal: Client;
}

export type DirectPurchaseResult =
  | { kind: 'credited'; order: PaymentOrderRow; balanceAfter: string; replayed: boolean }
  | { kind: 'accepted'; order: PaymentOrderRow; clientSecret: string | null; replayed: boolean };

/** The body of both answers (seed 000's {credits_added, amount_charged, new_balance} plus the purchase). */
export function directPurchaseBody(result: DirectPurchaseResult) {
  const { order } = result;
  return {
    purchase_id: order.id,
    status: order.status,
    credits: microToCredits(order.credits),
    credits_added: microToCredits(order.credits_added),
    amount_charged: order.amount_charged_minor === null ? null : minorToMajor(order.amount_charged_minor),
    currency: order.currency,
    new_balance: result.kind === 'credited' ? microToCredits(result.balanceAfter) : null,
    payment_intent: order.stripe_payment_intent,
    client_secret: result.kind === 'accepted' ? result.clientSecret : null,
  };
}

/**
 * POST /v1/billing/credits/purchase with a saved payment method: the order, one off-session
 * charge (the auto-recharge's, Stripe idempotency key purchase:<id>:charge, so a retried request
 * charges once), then the charge as a `direct` payment event for the same checkoutToCredit
 * workflow that settles Checkout payments (verification, ledger key purchase:<id>, invoice,
 * refunds). Credited within the wait → `credited`; Stripe needs the customer (3-D Secure) or the
 * workflow is slow → `accepted`, and the order stays pending: payment_intent.succeeded settles it.
 */
export async function createDirectPurchase(deps: DirectPurchaseDeps, input: NewPurchase & { paymentMethod: string }): Promise<DirectPurchaseResult> {
  const { order, replayed } = await recordPurchaseOrder(deps.db, input);
  if (order.status !== 'pending') return settledAnswer(deps, order, replayed);

  const customerId = await ensureStripeCustomer(deps, order.account_id);
  let charged;
  try {
    charged = await chargeSavedPaymentMethod(
      deps.stripe,
      {
        amountMinor: BigInt(order.amount_due_minor),
        currency: order.currency,
        customer: customerId,
        paymentMethod: order.payment_method ?? input.paymentMethod,
        description: purchaseProductName(order),
        metadata: { purchase_id: order.id, account_id: order.account_id },
      },
      `purchase:${order.id}:charge`,
    );
  } catch (error) {
    // Left pending: the same Idempotency-Key sends the same charge request again.
    throw new UnavailableError('Stripe could not be reached; retry with the same Idempotency-Key', { purchase_id: order.id, reason: error instanceof Error ? error.message : String(error) });
  }

  if (charged.kind === 'failed') {
    await updateOrderFrom(deps.db, order.id, ['pending'], { status: 'failed', failure_reason: charged.reason, stripe_customer_id: customerId, stripe_payment_intent: charged.paymentIntentId, settled_at: new Date() });
    throw new AppError(402, 'payment_failed', charged.reason, { purchase_id: order.id });
  }
  const withIntent = (await updateOrderFrom(deps.db, order.id, ['pending'], { stripe_customer_id: customerId, stripe_payment_intent: charged.paymentIntentId })) ?? order;
  if (charged.kind === 'requires_action') return { kind: 'accepted', order: withIntent, clientSecret: charged.clientSecret, replayed };

  const event: PaymentEvent = {
    eventId: `direct:${charged.paymentIntentId}`,
    kind: 'completed',
    source: 'direct',
    amountTotal: String(charged.amountMinor),
    currency: charged.currency,
    paymentStatus: 'paid',
    paymentIntent: charged.paymentIntentId,
    sessionId: null,
    reference: null,
  };
  await signalCheckout(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, withIntent, event);
  return settledAnswer(deps, await waitUntilSettled(deps, order.id), replayed);
}

async function settledAnswer(deps: PurchaseDeps, order: PaymentOrderRow, replayed: boolean): Promise<DirectPurchaseResult> {
  if (order.status === 'failed') throw new AppError(402, 'payment_failed', order.failure_reason ?? 'The payment did not go through', { purchase_id: order.id });
  const entry = order.ledger_entry_id ? await deps.db('ledger_entries').where({ id: order.ledger_entry_id }).first('balance_after') : null;
  if (entry) return { kind: 'credited', order, balanceAfter: entry.balance_after as string, replayed };
  return { kind: 'accepted', order, clientSecret: null, replayed };
}

async function waitUntilSettled(deps: PurchaseDeps, purchaseId: string): Promise<PaymentOrderRow> {
  const deadline = Date.now() + SETTLE_WAIT_MS;
  for (;;) {
    const order = (await findPaymentOrder(deps.db, purchaseId))!;
    if (order.status !== 'pending' || Date.now() > deadline) return order;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
