import { ApplicationFailure, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RefundOutcome, RefundState, RefundWorkflowInput } from '../src/checkout/checkout.types';
import { issueInvoiceAsChild } from './issue-invoice.workflow';

// A refund can be confirmed before its purchase's credit is settled (webhooks race): the activity
// then fails retryably and waits with backoff, for about two days at most.
const { refundCreditNoteInput } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });
const { applyRefundClawback } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 300 },
});

export const refundStateQuery = defineQuery<RefundState>('state');

/**
 * refund (id refund:<refund id>): started by a signed charge.refunded webhook. Claws back the
 * unspent, pro-rata part of the purchase's credits once; the spent part is recorded on the refund.
 */
export async function refund(input: RefundWorkflowInput): Promise<RefundOutcome> {
  if (!input?.refundId) throw ApplicationFailure.nonRetryable('refund needs a refundId', 'invalid_input');
  const state: RefundState = { refund_id: input.refundId, purchase_id: input.purchaseId, step: 'applying', outcome: null, credit_note_id: null };
  setHandler(refundStateQuery, () => state);
  const outcome = await applyRefundClawback({ refundId: input.refundId });
  // The credit note corrects the purchase's invoice: issueInvoice child `invoice:refund:<id>`.
  const creditNote = await refundCreditNoteInput({ refundId: input.refundId });
  if (creditNote) state.credit_note_id = (await issueInvoiceAsChild(creditNote)).invoiceId;
  state.step = 'done';
  state.outcome = outcome;
  return outcome;
}
