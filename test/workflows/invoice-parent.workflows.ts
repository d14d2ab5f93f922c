/**
 * Test-only workflows for a worker of test/workflows/issue-invoice.test.ts: a parent that issues its
 * invoice through issueInvoiceAsChild, as checkoutToCredit, refund and monthEndClose will.
 */
import { issueInvoiceAsChild, type IssueInvoiceInput, type IssueInvoiceResult } from '../../workflows/issue-invoice.workflow';

export { issueInvoice } from '../../workflows/issue-invoice.workflow';

export async function invoiceParentForTest(input: IssueInvoiceInput): Promise<IssueInvoiceResult> {
  return issueInvoiceAsChild(input);
}
