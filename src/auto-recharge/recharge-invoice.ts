import type { Knex } from 'knex';
import type { IssueInvoiceInput } from '../invoices/issue-invoice.types';
import { microToCredits } from '../shared/amounts';
import { findAttempt, recordAttemptInvoice } from './auto-recharge.queries';

/** The invoice's business key (invoice sources are `<word>:<id>`: no hyphen in the word). */
export const rechargeInvoiceSource = (accountId: string, n: number) => `autorecharge:${accountId}:${n}`;

/**
 * A successful recharge is a purchase and gets its invoice like any other: the amount charged,
 * tax included (the invoice carves the tax out of it), the PaymentIntent as payment reference.
 * Null when there is nothing (more) to invoice.
 */
export async function rechargeInvoiceInput(db: Knex, input: { accountId: string; n: number }): Promise<IssueInvoiceInput | null> {
  const attempt = await findAttempt(db, input.accountId, input.n);
  if (!attempt || attempt.status !== 'succeeded' || attempt.invoice_id) return null;
  const charged = Number(attempt.amount_minor);
  return {
    source: rechargeInvoiceSource(attempt.account_id, attempt.n),
    accountId: attempt.account_id,
    kind: 'invoice',
    currency: attempt.currency,
    lines: [{ description: `Auto-recharge: ${microToCredits(attempt.credits)} credits`, quantity: 1, unitAmountMinor: charged, amountMinor: charged }],
    paymentReference: attempt.payment_intent_id ?? rechargeInvoiceSource(attempt.account_id, attempt.n),
    taxInclusive: true,
  };
}

export function recordRechargeInvoice(db: Knex, input: { accountId: string; n: number; invoiceId: string }): Promise<void> {
  return recordAttemptInvoice(db, { account_id: input.accountId, n: input.n }, input.invoiceId);
}
