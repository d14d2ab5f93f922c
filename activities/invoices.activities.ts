import type { Knex } from 'knex';
import type { Config } from '../src/config/config';
import { asActivity } from './activity-errors';
import { invoiceSettingsFromConfig } from '../src/invoices/invoice-settings';
import { issueInvoiceNow } from '../src/invoices/issue-invoice-now';
import type { IssueInvoiceInput, IssueInvoiceResult } from '../src/invoices/issue-invoice.types';

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
