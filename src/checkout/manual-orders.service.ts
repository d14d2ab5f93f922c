import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { findAccount } from '../accounts/accounts.queries';
import { checkReplay } from '../credits/ledger.service';
import { microToCredits, minorToMajor } from '../shared/amounts';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../shared/errors';
import { newId } from '../shared/ids';
import { checkoutWorkflowId, type PaymentEvent } from './checkout.types';
import { signalCheckout } from './checkout-workflows';
import { findOrderByIdempotencyKey, findPaymentOrder, insertPaymentOrder, type PaymentOrderRow } from './payment-orders.queries';

export interface ManualOrderInput {
  accountId: string;
  credits: bigint;
  amountMinor: bigint;
  currency: string;
  packageId: string | null;
  reference: string | null;
  idempotencyKey: string | null;
  requestHash: string;
}

export function manualOrderBody(order: PaymentOrderRow) {
  return {
    purchase_id: order.id,
    account_id: order.account_id,
    source: order.source,
    status: order.status,
    credits: microToCredits(order.credits),
    amount_due: minorToMajor(order.amount_due_minor),
    currency: order.currency,
    package_id: order.package_id,
    reference: order.payment_reference,
  };
}

/** Seed 003 manual settlement: an admin payment order, credited only when marked paid. */
export async function createManualOrder(db: Knex, input: ManualOrderInput): Promise<{ order: PaymentOrderRow; replayed: boolean }> {
  const replay = async () => {
    if (!input.idempotencyKey) return null;
    const existing = await findOrderByIdempotencyKey(db, input.accountId, input.idempotencyKey);
    if (existing) checkReplay({ requestHash: existing.request_hash, idempotencyKey: existing.idempotency_key! }, input.requestHash);
    return existing;
  };
  const existing = await replay();
  if (existing) return { order: existing, replayed: true };
  if (!(await findAccount(db, input.accountId))) throw new ValidationError(`Unknown account ${input.accountId}`, { field: 'account_id' });
  const order = await insertPaymentOrder(db, {
    id: newId('pur'),
    account_id: input.accountId,
    source: 'manual',
    package_id: input.packageId,
    credits: input.credits,
    amount_due_minor: input.amountMinor,
    currency: input.currency,
    idempotency_key: input.idempotencyKey,
    request_hash: input.requestHash,
    payment_reference: input.reference,
  });
  if (order) return { order, replayed: false };
  const raced = await replay();
  if (!raced) throw new UnavailableError('The payment order could not be recorded; retry with the same Idempotency-Key');
  return { order: raced, replayed: true };
}

/**
 * Marks a manual order paid: the same checkoutToCredit workflow settles it, with a manual
 * payment event (id manual:<purchase id>, so marking twice is one payment) as the authority.
 */
export async function markManualOrderPaid(
  deps: { db: Knex; temporal: Client; taskQueue: string },
  purchaseId: string,
  payment: { reference: string; amountMinor: bigint | null; currency: string | null },
): Promise<{ purchase_id: string; workflow_id: string; status: string }> {
  const order = await findPaymentOrder(deps.db, purchaseId);
  if (!order) throw new NotFoundError('Payment order', purchaseId);
  if (order.source !== 'manual') throw new ConflictError('Only a manual payment order can be marked paid; Checkout orders settle from Stripe', { purchase_id: order.id });
  if (order.status !== 'pending') throw new ConflictError(`Payment order ${order.id} is already ${order.status}`, { purchase_id: order.id, status: order.status });
  const event: PaymentEvent = {
    eventId: `manual:${order.id}`,
    kind: 'manual_paid',
    source: 'manual',
    amountTotal: (payment.amountMinor ?? BigInt(order.amount_due_minor)).toString(),
    currency: payment.currency ?? order.currency,
    paymentStatus: 'paid',
    paymentIntent: null,
    sessionId: null,
    reference: payment.reference,
  };
  await signalCheckout(deps.temporal, deps.taskQueue, order, event);
  return { purchase_id: order.id, workflow_id: checkoutWorkflowId(order.id), status: order.status };
}
