import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../../activities';
import type { RefundOutcome, RefundWorkflowInput } from '../../../src/checkout/checkout.types';
import { issueInvoiceAsChild } from '../../../workflows/issue-invoice.workflow';

/**
 * A deliberately broken `refund`: the same steps as workflows/refund.workflow.ts with its first two
 * activities swapped. Replaying a recorded refund history against it must fail with a
 * non-determinism error; the replay test proves that it does.
 */
const { refundCreditNoteInput, applyRefundClawback } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

export async function refund(input: RefundWorkflowInput): Promise<RefundOutcome> {
  const creditNote = await refundCreditNoteInput({ refundId: input.refundId });
  const outcome = await applyRefundClawback({ refundId: input.refundId });
  if (creditNote) await issueInvoiceAsChild(creditNote);
  return outcome;
}
