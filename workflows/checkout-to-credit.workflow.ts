import { ApplicationFailure, condition, defineQuery, defineSignal, isCancellation, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CheckoutResult, CheckoutState, CheckoutWorkflowInput, PaymentEvent, SettleOutcome } from '../src/checkout/checkout.types';
import { issueInvoiceAsChild } from './issue-invoice.workflow';

/*
 * Each step is one short, idempotent database transaction (lock_timeout 5 s). It runs first as a
 * local activity: inside the workflow task, which saves two round trips through the Temporal
 * server per payment event (webhook-to-credit latency). If that single attempt fails, the same
 * step runs as a regular activity with durable retries (no attempt limit: settling must
 * eventually happen), which a stopping worker hands over cleanly to the next one.
 */
const fast = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } });
const durable = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

async function fastThenDurable<T>(first: () => Promise<T>, retried: () => Promise<T>): Promise<T> {
  try {
    return await first();
  } catch (error) {
    if (isCancellation(error)) throw error;
    return retried();
  }
}

const settleCheckoutPayment = (input: Parameters<Activities['settleCheckoutPayment']>[0]) =>
  fastThenDurable(() => fast.settleCheckoutPayment(input), () => durable.settleCheckoutPayment(input));
const noteAsyncCheckoutPayment = (input: Parameters<Activities['noteAsyncCheckoutPayment']>[0]) =>
  fastThenDurable(() => fast.noteAsyncCheckoutPayment(input), () => durable.noteAsyncCheckoutPayment(input));
const closeCheckoutOrder = (input: Parameters<Activities['closeCheckoutOrder']>[0]) =>
  fastThenDurable(() => fast.closeCheckoutOrder(input), () => durable.closeCheckoutOrder(input));

export const paymentSignal = defineSignal<[PaymentEvent]>('payment');
export const checkoutStateQuery = defineQuery<CheckoutState>('state');

/** Stripe sends checkout.session.expired shortly after the session expires; wait a little longer. */
const EXPIRY_GRACE_MS = 60 * 60 * 1000;
/** Delayed payment methods (bank debits) settle within days of the session completing. */
const ASYNC_PAYMENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * checkoutToCredit (id checkout:<purchase id>): turns payment events into exactly one credit.
 *
 * Events arrive as `payment` signals (signal-with-start, in any order, possibly repeated). Each one
 * is applied by an activity under the order's row lock, which answers what the order now is:
 * - completed (paid) / async_payment_succeeded / manual payment → credit once, or review on mismatch;
 * - completed with payment_status unpaid → keep waiting for the delayed method's success or failure;
 * - async_payment_failed / expired → close the order with no credit.
 * Without any event before the session expires (plus grace), the run ends and leaves the order
 * pending: a late event starts a fresh run, which can still settle it exactly once.
 */
export async function checkoutToCredit(input: CheckoutWorkflowInput): Promise<CheckoutResult> {
  if (!input?.purchaseId) throw ApplicationFailure.nonRetryable('checkoutToCredit needs a purchaseId', 'invalid_input');
  const state: CheckoutState = {
    purchase_id: input.purchaseId,
    step: 'waiting_for_payment',
    order_status: 'pending',
    events: [],
    outcome: null,
    review_reason: null,
    credits_added: null,
    ledger_entry_id: null,
    invoice_id: null,
    waiting_until: null,
  };
  const queue: PaymentEvent[] = [];
  const seen = new Set<string>();
  setHandler(paymentSignal, (event) => {
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    queue.push(event);
    state.events.push({ id: event.eventId, kind: event.kind, source: event.source });
  });
  setHandler(checkoutStateQuery, () => state);

  const finish = (outcome: string): CheckoutResult => {
    state.step = 'done';
    state.outcome = outcome;
    state.waiting_until = null;
    return { purchase_id: input.purchaseId, outcome, order_status: state.order_status };
  };

  let deadline = input.expiresAt ? Date.parse(input.expiresAt) + EXPIRY_GRACE_MS : null;
  let asyncPending = false;
  for (;;) {
    if (queue.length === 0) {
      state.waiting_until = deadline === null ? null : new Date(deadline).toISOString();
      if (deadline === null) await condition(() => queue.length > 0);
      else if (!(await condition(() => queue.length > 0, Math.max(1, deadline - Date.now()))) && queue.length === 0) {
        // (an event that raced the timer is still handled: the queue is checked once more)
        return finish(asyncPending ? 'async_payment_not_confirmed' : 'no_payment_event');
      }
    }
    const event = queue.shift()!;
    if (event.kind === 'expired' && asyncPending) continue; // a completed session cannot expire

    state.step = 'settling';
    const outcome = await applyEvent(input.purchaseId, event);
    switch (outcome.kind) {
      case 'awaiting_async_payment':
        asyncPending = true;
        deadline = Math.max(deadline ?? 0, Date.now() + ASYNC_PAYMENT_WINDOW_MS);
        state.step = 'waiting_for_async_payment';
        continue;
      case 'fulfilled':
        state.order_status = 'fulfilled';
        state.credits_added = outcome.creditsAdded;
        state.ledger_entry_id = outcome.ledgerEntryId;
        await invoicePurchase(input.purchaseId, state);
        return finish('fulfilled');
      case 'review':
        state.order_status = 'review';
        state.review_reason = outcome.reason;
        return finish('review');
      case 'closed':
        state.order_status = outcome.status;
        return finish(outcome.status);
      case 'already':
        state.order_status = outcome.status;
        // a run that stopped between the credit and its invoice: the next event finishes the job
        if (outcome.status === 'fulfilled') await invoicePurchase(input.purchaseId, state);
        return finish(`already_${outcome.status}`);
      case 'unknown_purchase':
        state.order_status = 'unknown';
        return finish('unknown_purchase');
    }
  }
}

/** Every fulfilled purchase gets its invoice: issueInvoice child `invoice:purchase:<id>`. */
async function invoicePurchase(purchaseId: string, state: CheckoutState): Promise<void> {
  state.step = 'invoicing';
  const invoice = await durable.purchaseInvoiceInput({ purchaseId });
  if (!invoice) return;
  const issued = await issueInvoiceAsChild(invoice);
  await durable.recordPurchaseInvoice({ purchaseId, invoiceId: issued.invoiceId });
  state.invoice_id = issued.invoiceId;
}

function applyEvent(purchaseId: string, event: PaymentEvent): Promise<SettleOutcome> {
  switch (event.kind) {
    case 'expired':
      return closeCheckoutOrder({ purchaseId, status: 'expired', reason: 'the Checkout Session expired unpaid' });
    case 'async_failed':
      return closeCheckoutOrder({ purchaseId, status: 'failed', reason: 'the delayed payment failed (checkout.session.async_payment_failed)' });
    case 'completed':
      if (event.paymentStatus === 'unpaid') return noteAsyncCheckoutPayment({ purchaseId, event });
      return settleCheckoutPayment({ purchaseId, event });
    case 'async_succeeded':
    case 'manual_paid':
      return settleCheckoutPayment({ purchaseId, event });
  }
}
