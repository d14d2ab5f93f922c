import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  CHECKOUT_WORKFLOW,
  PAYMENT_SIGNAL,
  REFUND_WORKFLOW,
  checkoutWorkflowId,
  refundWorkflowId,
  type CheckoutState,
  type CheckoutWorkflowInput,
  type PaymentEvent,
  type RefundWorkflowInput,
} from './checkout.types';

/**
 * Client side of the checkout workflows (API, webhook dispatcher, reconcile activity).
 *
 * Payment events use signal-with-start: whichever event arrives first starts `checkout:<id>`,
 * later ones join the running workflow (USE_EXISTING), so delivery order does not matter.
 * Reuse policy ALLOW_DUPLICATE: an event arriving after the workflow closed starts a fresh run,
 * which settles nothing twice: the order's status is checked under its row lock and the credit's
 * ledger idempotency key `purchase:<id>` makes a second credit impossible. A closed workflow must
 * not swallow a late but genuine payment event (e.g. one that arrives after the expiry timer).
 */
export async function signalCheckout(
  client: Client,
  taskQueue: string,
  order: { id: string; expires_at: Date | null },
  event: PaymentEvent,
): Promise<void> {
  const input: CheckoutWorkflowInput = { purchaseId: order.id, expiresAt: order.expires_at?.toISOString() ?? null };
  await client.workflow.signalWithStart(CHECKOUT_WORKFLOW, {
    workflowId: checkoutWorkflowId(order.id),
    taskQueue,
    args: [input],
    signal: PAYMENT_SIGNAL,
    signalArgs: [event],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}

/**
 * Starts `refund:<refund id>`, or joins it while it runs. Reuse policy ALLOW_DUPLICATE_FAILED_ONLY:
 * a refund workflow that completed has applied the refund and is never run again; a failed one
 * may be re-run by a redelivered event (the refund row and ledger key keep that idempotent too).
 */
export async function startRefundWorkflow(client: Client, taskQueue: string, input: RefundWorkflowInput): Promise<'started' | 'already_completed'> {
  try {
    await client.workflow.start(REFUND_WORKFLOW, {
      workflowId: refundWorkflowId(input.refundId),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already_completed';
    throw error;
  }
}

export interface CheckoutWorkflowView {
  id: string;
  status: string;
  state?: CheckoutState;
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);

/** The purchase's workflow, for GET: NOT_STARTED before any payment event, UNKNOWN if Temporal does not answer. */
export async function checkoutWorkflowView(client: Client, purchaseId: string): Promise<CheckoutWorkflowView> {
  const id = checkoutWorkflowId(purchaseId);
  const handle = client.workflow.getHandle(id);
  try {
    const description = await within(handle.describe(), 3000);
    if (!description) return { id, status: 'UNKNOWN' };
    const state = await within(handle.query<CheckoutState>('state').catch(() => undefined), 3000);
    return { id, status: description.status.name, ...(state ? { state } : {}) };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { id, status: 'NOT_STARTED' };
    return { id, status: 'UNKNOWN' };
  }
}
