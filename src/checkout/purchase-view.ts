import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { microToCredits, minorToMajor } from '../shared/amounts';
import { checkoutWorkflowView } from './checkout-workflows';
import type { PaymentOrderRow } from './payment-orders.queries';

/**
 * GET /v1/billing/credits/purchases/:id: the order (seed 000 names) and its workflow's live
 * state. new_balance is the balance right after this purchase's credit (its ledger entry's
 * balance_after), null until then.
 */
export async function purchaseView(deps: { db: Knex; temporal: Client }, order: PaymentOrderRow) {
  const [workflow, entry] = await Promise.all([
    checkoutWorkflowView(deps.temporal, order.id),
    order.ledger_entry_id ? deps.db('ledger_entries').where({ id: order.ledger_entry_id }).first('balance_after') : null,
  ]);
  return {
    purchase_id: order.id,
    status: order.status,
    source: order.source,
    credits: microToCredits(order.credits),
    credits_added: microToCredits(order.credits_added),
    amount_due: minorToMajor(order.amount_due_minor),
    amount_charged: order.amount_charged_minor === null ? null : minorToMajor(order.amount_charged_minor),
    currency: order.currency,
    new_balance: entry ? microToCredits(entry.balance_after as string) : null,
    invoice_id: order.invoice_id,
    package_id: order.package_id,
    checkout_url: order.checkout_url,
    expires_at: order.expires_at?.toISOString() ?? null,
    review_reason: order.review_reason,
    failure_reason: order.failure_reason,
    amount_refunded: minorToMajor(order.amount_refunded_minor),
    credits_clawed_back: microToCredits(order.credits_clawed_back),
    created_at: order.created_at.toISOString(),
    settled_at: order.settled_at?.toISOString() ?? null,
    workflow,
  };
}
