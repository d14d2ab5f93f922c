import type { Knex } from 'knex';
import { recordEvent } from '../outgoing-webhooks/record-event';
import type { InvoiceRow } from '../invoices/invoices.queries';
import { insertMismatchOnce } from './billing-mismatch.queries';
import {
  findFinalizedPeriodInvoice,
  findStripeInvoice,
  markStripeInvoicePaired,
  recordInvoicePayment,
  unpairedStripeInvoices,
  upsertStripeInvoice,
  type StripeInvoiceRow,
} from './collection.queries';
import { pairingPeriodOf } from './compute/mismatch-period';
import { isComparable, mismatchReasons } from './compute/mismatch-reasons';
import type { StripeInvoiceFacts } from './stripe-invoice';

/**
 * Collection agrees with Settle's invoice. Settle's period invoice (issued at the close) is the
 * legal document; Stripe's invoice for the same account and month is how it gets paid. The two
 * meet from either side: Stripe's invoice arrives (recordStripeInvoice) or the close issues
 * Settle's (pairPeriodInvoice), whichever is second pairs them. Each side commits its own record
 * before it looks for the other, so when both run at once at least one of them sees both; the
 * pairing writes are guarded, so when both see both nothing is written twice.
 */

const toDate = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000));

/**
 * Records Stripe's invoice (idempotent by its id; paid is final, a late failure never undoes it),
 * then pairs it with Settle's period invoice if that is issued: marks it paid on 'paid' and lists
 * any difference in total, tax or currency as a billing mismatch. Invoices of total 0 are recorded
 * but neither compared nor paired.
 */
export async function recordStripeInvoice(db: Knex, accountId: string, facts: StripeInvoiceFacts, event: 'paid' | 'payment_failed'): Promise<'paired' | 'recorded'> {
  await upsertStripeInvoice(db, {
    id: facts.id,
    account_id: accountId,
    period: pairingPeriodOf(facts),
    status: event,
    stripe_status: facts.status,
    currency: facts.currency,
    total_minor: facts.totalMinor.toString(),
    tax_minor: facts.taxMinor.toString(),
    amount_due_minor: facts.amountDueMinor.toString(),
    amount_paid_minor: facts.amountPaidMinor.toString(),
    billing_reason: facts.billingReason,
    stripe_subscription_id: facts.subscriptionId,
    stripe_customer_id: facts.customerId,
    period_start: toDate(facts.periodStart),
    period_end: toDate(facts.periodEnd),
    stripe_created: new Date(facts.created * 1000),
    paid_at: event === 'paid' ? new Date() : null,
  });
  // Read back what is stored: a replayed or out-of-order event pairs what we know, not what it says.
  const stored = (await findStripeInvoice(db, facts.id))!;
  if (!isComparable({ totalMinor: BigInt(stored.total_minor) })) return 'recorded';
  const settleInvoice = await findFinalizedPeriodInvoice(db, stored.account_id, stored.period);
  if (!settleInvoice) return 'recorded';
  await pair(db, stored, settleInvoice);
  return 'paired';
}

/**
 * The same pairing from Settle's side, once the close has issued the period invoice (Stripe's
 * invoice may have come first). One indexed query for an account with no Stripe invoices.
 */
export async function pairPeriodInvoice(db: Knex, accountId: string, period: string): Promise<void> {
  const waiting = await unpairedStripeInvoices(db, accountId, period);
  if (waiting.length === 0) return;
  const settleInvoice = await findFinalizedPeriodInvoice(db, accountId, period);
  if (!settleInvoice) return;
  for (const stripeInvoice of waiting) await pair(db, stripeInvoice, settleInvoice);
}

/**
 * One pair, in one transaction: the Stripe invoice points at Settle's, a difference becomes one
 * mismatch row, and Settle's invoice takes the payment state Stripe reported. A mismatching
 * invoice that Stripe collected is still paid: the money came in, and the difference is for
 * finance ops to settle (a credit note or a refund), not a reason to call it unpaid.
 */
async function pair(db: Knex, stripeInvoice: StripeInvoiceRow, settleInvoice: InvoiceRow): Promise<void> {
  const settle = { currency: settleInvoice.currency, totalMinor: BigInt(settleInvoice.total_minor!), taxMinor: BigInt(settleInvoice.tax_minor!) };
  const stripe = { currency: stripeInvoice.currency, totalMinor: BigInt(stripeInvoice.total_minor), taxMinor: BigInt(stripeInvoice.tax_minor) };
  const reasons = mismatchReasons(settle, stripe);
  await db.transaction(async (trx) => {
    await markStripeInvoicePaired(trx, stripeInvoice.id, settleInvoice.id);
    if (reasons.length > 0) {
      await insertMismatchOnce(trx, {
        settle_invoice_id: settleInvoice.id,
        stripe_invoice_id: stripeInvoice.id,
        account_id: settleInvoice.account_id,
        period: stripeInvoice.period,
        currency: settle.currency,
        stripe_currency: stripe.currency,
        settle_total_minor: settle.totalMinor.toString(),
        settle_tax_minor: settle.taxMinor.toString(),
        stripe_total_minor: stripe.totalMinor.toString(),
        stripe_tax_minor: stripe.taxMinor.toString(),
        reasons,
      });
    }
    await recordInvoicePayment(trx, {
      invoiceId: settleInvoice.id,
      status: stripeInvoice.status,
      reference: stripeInvoice.id,
      paidAt: stripeInvoice.status === 'paid' ? (stripeInvoice.paid_at ?? new Date()) : null,
    });
    if (stripeInvoice.status === 'paid') {
      await recordEvent(trx, {
        type: 'invoice.paid',
        accountId: settleInvoice.account_id,
        data: { invoice_id: settleInvoice.id, number: settleInvoice.number, period: stripeInvoice.period, payment_reference: stripeInvoice.id },
        dedupeKey: `invoice.paid:${settleInvoice.id}`, // paid is final: once, whatever replays
      });
    }
  });
}
