import type { Knex } from 'knex';
import { postCredit } from '../credits/ledger.service';
import { microToCredits } from '../shared/amounts';
import { recordEvent } from '../outgoing-webhooks/record-event';
import type { PaymentEvent, SettleOutcome } from './checkout.types';
import { verifyPayment } from './compute/verify-payment';
import { lockPaymentOrder, updateOrderFrom, type PaymentOrderRow } from './payment-orders.queries';

/**
 * A settling transaction never waits long for a lock: it fails and the activity is retried with
 * backoff (and a worker shutting down is not held hostage by a blocked query).
 */
const LOCK_TIMEOUT = '5s';

async function withOrderLock<T>(db: Knex, purchaseId: string, work: (trx: Knex.Transaction, order: PaymentOrderRow) => Promise<T>): Promise<T | { kind: 'unknown_purchase' }> {
  return db.transaction(async (trx) => {
    await trx.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
    const order = await lockPaymentOrder(trx, purchaseId);
    if (!order) return { kind: 'unknown_purchase' as const };
    return work(trx, order);
  });
}

export function purchaseDescription(order: Pick<PaymentOrderRow, 'package_id' | 'credits' | 'unit'>): string {
  if (order.unit === 'tokens') return order.package_id ? `Token pack ${order.package_id} purchase` : `Purchase of ${order.credits} tokens`;
  if (order.package_id) return `${order.package_id.charAt(0).toUpperCase()}${order.package_id.slice(1)} package purchase`;
  return `Purchase of ${microToCredits(order.credits)} credits`;
}

/**
 * The ledger idempotency key of the purchase's credit. A token purchase has its own key space
 * (token-purchase:<id>), so no reading of a key can confuse the two units; credit purchases keep
 * purchase:<id>, which every order credited so far carries.
 */
export function purchaseLedgerKey(order: Pick<PaymentOrderRow, 'id' | 'unit'>): string {
  return order.unit === 'tokens' ? `token-purchase:${order.id}` : `purchase:${order.id}`;
}

/** The purchase.fulfilled event's figures, in the order's unit (credit purchases keep their fields). */
function fulfilledFigures(order: PaymentOrderRow, balanceAfter: string) {
  if (order.unit === 'tokens') return { unit: 'tokens', tokens: Number(order.credits), balance: Number(balanceAfter) };
  return { credits: microToCredits(order.credits), balance: microToCredits(balanceAfter) };
}

/**
 * Applies a payment event to its order, once. Under the order's row lock: a settled order answers
 * `already`; a payment that does not match the order's amount, currency or status flags it for
 * review; otherwise the purchased grant is credited in the order's unit (ledger key
 * purchase:<id>, or token-purchase:<id> for tokens, so a retried
 * activity cannot credit twice) and the order is marked fulfilled in the same transaction.
 */
export function settlePayment(db: Knex, purchaseId: string, event: PaymentEvent): Promise<SettleOutcome> {
  return withOrderLock(db, purchaseId, async (trx, order): Promise<SettleOutcome> => {
    if (order.status !== 'pending') return { kind: 'already', status: order.status };
    const paid = {
      stripe_payment_intent: event.paymentIntent ?? order.stripe_payment_intent,
      payment_reference: event.reference ?? event.paymentIntent ?? order.payment_reference,
      paid_event_id: event.eventId,
      amount_charged_minor: event.amountTotal,
      charged_currency: event.currency,
      awaiting_async_payment: false,
      settled_at: new Date(),
    };
    const verdict = verifyPayment(
      { amountDueMinor: BigInt(order.amount_due_minor), currency: order.currency },
      { amountTotal: event.amountTotal === null ? null : BigInt(event.amountTotal), currency: event.currency, paymentStatus: event.paymentStatus },
    );
    if (!verdict.ok) {
      await updateOrderFrom(trx, order.id, ['pending'], { ...paid, status: 'review', review_reason: verdict.reason });
      await recordEvent(trx, { type: 'purchase.review', accountId: order.account_id, data: { purchase_id: order.id, reason: verdict.reason } });
      return { kind: 'review', reason: verdict.reason };
    }
    const posted = await postCredit(trx, {
      accountId: order.account_id,
      unit: order.unit,
      kind: 'purchased',
      amount: BigInt(order.credits),
      type: 'purchase',
      idempotencyKey: purchaseLedgerKey(order),
      source: `purchase:${order.id}`,
      reference: order.id,
      description: purchaseDescription(order),
    });
    await updateOrderFrom(trx, order.id, ['pending'], {
      ...paid,
      status: 'fulfilled',
      credits_added: order.credits,
      grant_id: posted.grant?.id ?? null,
      ledger_entry_id: posted.entry.id,
    });
    await recordEvent(trx, {
      type: 'purchase.fulfilled',
      accountId: order.account_id,
      data: { purchase_id: order.id, ledger_entry_id: posted.entry.id, ...fulfilledFigures(order, posted.entry.balance_after) },
    });
    return {
      kind: 'fulfilled',
      creditsAdded: order.credits,
      ledgerEntryId: posted.entry.id,
      grantId: posted.grant?.id ?? '',
      balanceAfter: posted.entry.balance_after,
    };
  });
}

/** checkout.session.completed with payment_status unpaid: a delayed payment method is settling. */
export function noteAsyncPayment(db: Knex, purchaseId: string, event: PaymentEvent): Promise<SettleOutcome> {
  return withOrderLock(db, purchaseId, async (trx, order): Promise<SettleOutcome> => {
    if (order.status !== 'pending') return { kind: 'already', status: order.status };
    await updateOrderFrom(trx, order.id, ['pending'], {
      awaiting_async_payment: true,
      stripe_payment_intent: event.paymentIntent ?? order.stripe_payment_intent,
    });
    return { kind: 'awaiting_async_payment' };
  });
}

/** The session expired unpaid, or the delayed payment failed: the order closes with no credit. */
export function closeOrder(db: Knex, purchaseId: string, status: 'expired' | 'failed', reason: string): Promise<SettleOutcome> {
  return withOrderLock(db, purchaseId, async (trx, order): Promise<SettleOutcome> => {
    if (order.status !== 'pending') return { kind: 'already', status: order.status };
    // A completed session cannot expire; an expiry seen while its payment settles is stale.
    if (status === 'expired' && order.awaiting_async_payment) return { kind: 'awaiting_async_payment' };
    await updateOrderFrom(trx, order.id, ['pending'], { status, failure_reason: status === 'failed' ? reason : null, settled_at: new Date() });
    return { kind: 'closed', status };
  });
}
