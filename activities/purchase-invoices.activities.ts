import type { Knex } from 'knex';
import { purchaseInvoiceInput, recordPurchaseInvoice, refundCreditNoteInput } from '../src/checkout/purchase-invoices';

/** What checkoutToCredit and refund hand to the issueInvoice child workflow, and its result. */
export function createPurchaseInvoiceActivities(deps: { db: Knex }) {
  return {
    purchaseInvoiceInput: (input: { purchaseId: string }) => purchaseInvoiceInput(deps.db, input.purchaseId),
    recordPurchaseInvoice: (input: { purchaseId: string; invoiceId: string }) => recordPurchaseInvoice(deps.db, input.purchaseId, input.invoiceId),
    refundCreditNoteInput: (input: { refundId: string }) => refundCreditNoteInput(deps.db, input.refundId),
  };
}
