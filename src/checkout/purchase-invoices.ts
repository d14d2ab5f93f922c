import type { Knex } from 'knex';
import type { IssueInvoiceInput } from '../invoices/issue-invoice.types';
import { microToCredits } from '../shared/amounts';
import { findPaymentOrder, type PaymentOrderRow } from './payment-orders.queries';
import { findRefund } from './refunds.queries';

/**
 * The invoice of a fulfilled purchase and the credit note of an applied refund, as issueInvoice
 * inputs. Amounts are what was charged (tax included: the invoice carves the tax out of it).
 */
export async function purchaseInvoiceInput(db: Knex, purchaseId: string): Promise<IssueInvoiceInput | null> {
  const order = await findPaymentOrder(db, purchaseId);
  if (!order || !['fulfilled', 'refunded'].includes(order.status)) return null;
  // Issued already (a later event's run): the order may have learnt more since (a payment
  // intent), and the invoice must not be asked for again with different details.
  const issued = await db('invoices').where({ source: `purchase:${order.id}` }).first('id');
  if (issued) {
    await recordPurchaseInvoice(db, order.id, issued.id as string);
    return null;
  }
  const charged = Number(order.amount_charged_minor ?? order.amount_due_minor);
  return {
    source: `purchase:${order.id}`,
    accountId: order.account_id,
    kind: 'invoice',
    currency: order.charged_currency ?? order.currency,
    lines: [{ description: purchaseLineDescription(order), quantity: 1, unitAmountMinor: charged, amountMinor: charged }],
    // stable for the order's whole life: the manual settlement's reference, else our purchase id
    paymentReference: order.payment_reference ?? order.id,
    taxInclusive: true,
  };
}

/** The invoice line: what was bought, in the order's unit. */
function purchaseLineDescription(order: PaymentOrderRow): string {
  if (order.unit === 'tokens') return `${order.package_id ? `Token pack ${order.package_id}: ` : ''}${BigInt(order.credits_added).toLocaleString('en-US')} tokens`;
  return `${order.package_id ? `Credit package ${order.package_id}: ` : ''}${microToCredits(order.credits_added)} credits`;
}

export async function recordPurchaseInvoice(db: Knex, purchaseId: string, invoiceId: string): Promise<void> {
  await db('payment_orders').where({ id: purchaseId }).whereNull('invoice_id').update({ invoice_id: invoiceId, updated_at: db.fn.now() });
}

/** The credit note of a refund, correcting the purchase's invoice; null until both exist. */
export async function refundCreditNoteInput(db: Knex, refundId: string): Promise<IssueInvoiceInput | null> {
  const refund = await findRefund(db, refundId);
  if (!refund || refund.status !== 'applied') return null;
  const order = await findPaymentOrder(db, refund.purchase_id);
  if (!order?.invoice_id) return null;
  const amount = Number(refund.amount_minor);
  return {
    source: `refund:${refund.id}`,
    accountId: refund.account_id,
    kind: 'credit_note',
    currency: refund.currency,
    lines: [{ description: `Refund of purchase ${order.id}`, quantity: 1, unitAmountMinor: amount, amountMinor: amount }],
    paymentReference: refund.stripe_refund_id ?? refund.id,
    correctsInvoiceId: order.invoice_id,
    taxInclusive: true,
  };
}
