import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type { Config } from '../src/config/config';
import { invoiceSettingsFromConfig } from '../src/invoices/invoice-settings';
import { issueInvoiceNow } from '../src/invoices/issue-invoice-now';
import type { IssueInvoiceInput, IssueInvoiceResult } from '../src/invoices/issue-invoice.types';
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

/** The issueInvoice steps, run together; each is idempotent (keyed by the invoice source or id). */
export function createInvoiceActivities(deps: { config: Config; db: Knex }) {
  const settings = invoiceSettingsFromConfig(deps.config);
  return {
    /** draft → finalize → PDF; each step idempotent (by source, then by invoice id). */
    async issueInvoiceSteps(input: IssueInvoiceInput): Promise<IssueInvoiceResult> {
      return asActivity(async () => {
        const issued = await issueInvoiceNow(deps.db, settings, input);
        return { invoiceId: issued.invoiceId, number: issued.number, totalMinor: issued.totalMinor, pdfSha256: issued.pdfSha256 };
      });
    },
  };
}
