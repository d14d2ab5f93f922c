import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { renderInvoicePdf } from '../integrations/pdf/invoice-pdf';
import { ConflictError, NotFoundError } from '../shared/errors';
import { invoicePdfModel } from './invoice-document';
import { findDocument, findInvoice, insertDocumentOnce, type InvoiceDocumentRow, type InvoiceRow } from './invoices.queries';

/** Renders a finalized invoice from its frozen columns; the same invoice always gives the same bytes. */
export function renderFinalizedInvoice(invoice: InvoiceRow): Promise<Buffer> {
  return renderInvoicePdf(invoicePdfModel(invoice));
}

export function sha256OfBytes(bytes: Buffer): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * Step 3 of issuing: the PDF, stored once (insert-only) with its SHA-256. Idempotent: a stored PDF
 * is returned as stored and never re-rendered, so even a later pdfkit upgrade cannot change it.
 */
export async function ensureInvoicePdf(db: Knex, invoiceId: string): Promise<InvoiceDocumentRow> {
  const stored = await findDocument(db, invoiceId);
  if (stored) return stored;
  const invoice = await findInvoice(db, invoiceId);
  if (!invoice) throw new NotFoundError('Invoice', invoiceId);
  if (invoice.status !== 'finalized') {
    throw new ConflictError(`Invoice ${invoiceId} is a draft: its PDF exists once it is finalized`, { id: invoiceId }, 'invoice_not_finalized');
  }
  const content = await renderFinalizedInvoice(invoice);
  await insertDocumentOnce(db, { invoice_id: invoiceId, content, sha256: sha256OfBytes(content) });
  return (await findDocument(db, invoiceId))!;
}
