import type { Knex } from 'knex';
import { ensureInvoicePdf } from './invoice-pdf.service';
import { createDraft, finalizeInvoice } from './invoices.service';
import type { InvoiceSettings } from './invoice-settings';
import type { IssueInvoiceInput, IssueInvoiceResult } from './issue-invoice.types';

/**
 * issueInvoice's three steps (draft → finalize → PDF): the workflow's one activity, and batch
 * work that issues many invoices at once (the month-end close). Each step is idempotent by the
 * invoice's source, so a retry issues every invoice once.
 */
export async function issueInvoiceNow(db: Knex, settings: InvoiceSettings, input: IssueInvoiceInput): Promise<IssueInvoiceResult> {
  const draft = await createDraft(db, input);
  const finalized = await finalizeInvoice(db, settings, draft.id);
  const document = await ensureInvoicePdf(db, draft.id);
  return { invoiceId: draft.id, number: finalized.number!, totalMinor: Number(finalized.total_minor), pdfSha256: document.sha256 };
}
