import type { Knex } from 'knex';
import { ensureInvoicePdf } from './invoice-pdf.service';
import { createDraft, finalizeInvoice } from './invoices.service';
import type { InvoiceSettings } from './invoice-settings';
import type { IssueInvoiceInput } from './issue-invoice.types';

/**
 * issueInvoice's three steps (draft → finalize → PDF) run in place, for batch work that issues
 * many invoices at once (the month-end close). Each step is idempotent by the invoice's source,
 * exactly as in the workflow, so a retried batch issues every invoice once.
 */
export async function issueInvoiceNow(db: Knex, settings: InvoiceSettings, input: IssueInvoiceInput): Promise<{ invoiceId: string; number: string }> {
  const draft = await createDraft(db, input);
  const finalized = await finalizeInvoice(db, settings, draft.id);
  await ensureInvoicePdf(db, draft.id);
  return { invoiceId: draft.id, number: finalized.number! };
}
