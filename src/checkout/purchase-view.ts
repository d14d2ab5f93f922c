import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { microToCredits, minorToMajor } from '../shared/amounts';
import { checkoutWorkflowView } from './checkout-workflows';
import type { PaymentOrderRow } from './payment-orders.queries';

/**
 * GET /v1/billing/credits/purchases/:id: the order (seed 000 names) and its workflow's live
 * state. new_balance is the balance right after this purchase's credit (its ledger entry's
 * balance_after), null until then. A token purchase counts in tokens: its credit figures are 0,
 * `tokens`, `tokens_added` and `tokens_clawed_back` carry its quantities and new_balance is the
 * token balance (credit purchases keep exactly the fields they had, plus `unit`).
 */
export async function purchaseView(deps: { db: Knex; temporal: Client }, order: PaymentOrderRow) {
  const [workflow, entry] = await Promise.all([
    checkoutWorkflowView(deps.temporal, order.id),
    order.ledger_entry_id ? deps.db('ledger_entries').where({ id: order.ledger_entry_id }).first('balance_after') : null,
  ]);
  const tokens = order.unit === 'tokens';
  const credits = (micro: string) => (tokens ? 0 : microToCredits(micro));
  const balance = entry ? (entry.balance_after as string) : null;
  return {
    purchase_id: order.id,
    status: order.status,
    source: order.source,
    unit: order.unit,
    credits: credits(order.credits),
    credits_added: credits(order.credits_added),
    amount_due: minorToMajor(order.amount_due_minor),
    amount_charged: order.amount_charged_minor === null ? null : minorToMajor(order.amount_charged_minor),
    currency: order.currency,
    new_balance: balance === null ? null : tokens ? Number(balance) : microToCredits(balance),
    invoice_id: order.invoice_id,
    package_id: order.package_id,
    checkout_url: order.checkout_url,
    expires_at: order.expires_at?.toISOString() ?? null,
    review_reason: order.review_reason,
    failure_reason: order.failure_reason,
    amount_refunded: minorToMajor(order.amount_refunded_minor),
    credits_clawed_back: credits(order.credits_clawed_back),
    ...(tokens ? { tokens: Number(order.credits), tokens_added: Number(order.credits_added), tokens_clawed_back: Number(order.credits_clawed_back) } : {}),
    created_at: order.created_at.toISOString(),
    settled_at: order.settled_at?.toISOString() ?? null,
    workflow,
  };
}
