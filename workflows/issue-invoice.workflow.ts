import { ActivityFailure, ApplicationFailure, ParentClosePolicy, defineQuery, executeChild, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { IssueInvoiceInput, IssueInvoiceResult } from '../src/invoices/issue-invoice.types';
import { invoiceWorkflowId } from '../src/invoices/workflow-ids';

export type { IssueInvoiceInput, IssueInvoiceResult, InvoiceLineInput } from '../src/invoices/issue-invoice.types';
export { invoiceWorkflowId };

const { issueInvoiceSteps } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface IssueInvoiceState {
  step: 'issuing' | 'done';
  source: string;
  invoiceId: string | null;
  number: string | null;
}

export const issueInvoiceStateQuery = defineQuery<IssueInvoiceState>('state');

/** A domain refusal from an activity (idempotency_conflict, credit_exceeds_invoice…) fails the workflow with that same type, so a parent sees the reason directly. */
async function step<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable) {
      throw ApplicationFailure.create({ message: error.cause.message, type: error.cause.type ?? undefined, nonRetryable: true, details: error.cause.details as unknown[] | undefined });
    }
    throw error;
  }
}

/**
 * issueInvoice (child workflow, id `invoice:<source>`): draft (idempotent by source) → finalize
 * (tax snapshot, gapless number, totals in one transaction) → PDF (stored once with its SHA-256),
 * in one activity whose every step is idempotent, so a retry continues where it stopped.
 * Re-running it for the same source returns the same invoice.
 */
export async function issueInvoice(input: IssueInvoiceInput): Promise<IssueInvoiceResult> {
  const state: IssueInvoiceState = { step: 'issuing', source: input?.source ?? '', invoiceId: null, number: null };
  setHandler(issueInvoiceStateQuery, () => state);
  if (!input || typeof input.source !== 'string' || !Array.isArray(input.lines)) {
    throw ApplicationFailure.nonRetryable('issueInvoice needs {source, accountId, kind, currency, lines}', 'validation_failed');
  }

  // One activity runs the three idempotent steps: half the workflow tasks of one per step,
  // which matters when every purchase issues an invoice.
  const issued = await step(() => issueInvoiceSteps(input));
  state.invoiceId = issued.invoiceId;
  state.number = issued.number;
  state.step = 'done';
  return issued;
}

/**
 * For parent workflows (checkoutToCredit for each fulfilled purchase, refund, monthEndClose):
 * issue the invoice of a business key as a child workflow `invoice:<source>` and wait for it.
 * Abandoned on parent close, so a started invoice always completes.
 */
export function issueInvoiceAsChild(input: IssueInvoiceInput): Promise<IssueInvoiceResult> {
  return executeChild(issueInvoice, {
    workflowId: invoiceWorkflowId(input.source),
    args: [input],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}
