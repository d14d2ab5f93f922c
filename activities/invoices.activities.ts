import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type { Config } from '../src/config/config';
import { invoiceSettingsFromConfig } from '../src/invoices/invoice-settings';
import { ensureInvoicePdf } from '../src/invoices/invoice-pdf.service';
import { createDraft, finalizeInvoice } from '../src/invoices/invoices.service';
import type { IssueInvoiceInput } from '../src/invoices/issue-invoice.types';
import { AppError } from '../src/shared/errors';

/** A domain error no retry can fix becomes a non-retryable failure carrying its code; others retry. */
async function asActivity<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && !error.retryable) {
      throw ApplicationFailure.nonRetryable(error.message, error.code, error.details);
    }
    throw error;
  }
}

/** The issueInvoice steps; each is idempotent (keyed by the invoice source or id). */
export function createInvoiceActivities(deps: { config: Config; db: Knex }) {
  const settings = invoiceSettingsFromConfig(deps.config);
  return {
    async createInvoiceDraft(input: IssueInvoiceInput): Promise<{ invoiceId: string; status: 'draft' | 'finalized' }> {
      const row = await asActivity(() => createDraft(deps.db, input));
      return { invoiceId: row.id, status: row.status };
    },

    async finalizeInvoiceDraft(input: { invoiceId: string }): Promise<{ number: string; totalMinor: number; issuedAt: string }> {
      const row = await asActivity(() => finalizeInvoice(deps.db, settings, input.invoiceId));
      return { number: row.number!, totalMinor: Number(row.total_minor), issuedAt: row.issued_at!.toISOString() };
    },

    async renderInvoicePdf(input: { invoiceId: string }): Promise<{ pdfSha256: string; byteSize: number }> {
      const document = await asActivity(() => ensureInvoicePdf(deps.db, input.invoiceId));
      return { pdfSha256: document.sha256, byteSize: document.byte_size };
    },
  };
}
