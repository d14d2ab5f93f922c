import type { WebhookHandler } from '../../checkout/webhook-context';
import { accountOfObject, snapshotOfSession, snapshotOfSubscription, stripeSubscriptionSchema, subscriptionSessionSchema } from '../stripe-subscription';
import { findAccountIdByStripeIds } from '../subscriptions.queries';
import { signalSubscriptionEvent } from '../subscription-workflows';
import type { SubscriptionSnapshot } from '../subscription.types';
import { parseStripeInvoice } from '../stripe-invoice';
import { recordStripeInvoice } from '../collection.service';

/**
 * Stripe's subscription facts → the account's subscription workflow. The account is the one the
 * object names (Settle puts it in `client_reference_id` and `metadata.account_id`), else the one
 * holding the subscription or customer id. An event for nobody Settle knows is stored and ignored.
 */
async function accountFor(db: Parameters<WebhookHandler>[1]['db'], named: string | null, ids: { subscriptionId: string | null; customerId: string | null }): Promise<string | null> {
  if (named && (await db('accounts').where({ id: named }).first('id'))) return named;
  return findAccountIdByStripeIds(db, ids);
}

const forward = async (ctx: Parameters<WebhookHandler>[1], accountId: string, eventId: string, created: number, snapshot: SubscriptionSnapshot) => {
  await signalSubscriptionEvent(ctx.temporal, ctx.taskQueue, accountId, { kind: 'subscription', eventId, created, snapshot });
  return 'signalled:subscription';
};

/** checkout.session.completed in subscription mode. */
export const handleSubscriptionCheckout: WebhookHandler = async (event, ctx) => {
  const parsed = subscriptionSessionSchema.safeParse(event.data.object);
  if (!parsed.success) return 'invalid_payload';
  const snapshot = snapshotOfSession(parsed.data);
  const accountId = await accountFor(ctx.db, accountOfObject(parsed.data), { subscriptionId: snapshot.stripeSubscriptionId, customerId: snapshot.stripeCustomerId });
  if (!accountId) return 'ignored:unknown_account';
  return forward(ctx, accountId, event.id, event.created, snapshot);
};

/** customer.subscription.created / updated / deleted. */
export const handleSubscriptionChange: WebhookHandler = async (event, ctx) => {
  const parsed = stripeSubscriptionSchema.safeParse(event.data.object);
  if (!parsed.success) return 'invalid_payload';
  const snapshot = snapshotOfSubscription(parsed.data);
  if (event.type === 'customer.subscription.deleted') snapshot.status = 'canceled';
  const accountId = await accountFor(ctx.db, accountOfObject(parsed.data), { subscriptionId: snapshot.stripeSubscriptionId, customerId: snapshot.stripeCustomerId });
  if (!accountId) return 'ignored:unknown_customer';
  return forward(ctx, accountId, event.id, event.created, snapshot);
};

/** invoice.paid / invoice.payment_failed: recorded against Settle's invoice, then dunning. */
export const handleSubscriptionInvoice: WebhookHandler = async (event, ctx) => {
  const invoice = parseStripeInvoice(event.data.object);
  if (!invoice) return 'invalid_payload';
  const accountId = await accountFor(ctx.db, invoice.accountId, { subscriptionId: invoice.subscriptionId, customerId: invoice.customerId });
  if (!accountId) return 'ignored:unknown_customer';
  const paid = event.type === 'invoice.paid';
  const recorded = await recordStripeInvoice(ctx.db, accountId, invoice, paid ? 'paid' : 'payment_failed');
  if (!invoice.subscriptionId) return `recorded:${recorded}:no_subscription`;
  await signalSubscriptionEvent(ctx.temporal, ctx.taskQueue, accountId, {
    kind: paid ? 'invoice_paid' : 'invoice_payment_failed',
    eventId: event.id,
    created: event.created,
    invoice: { id: invoice.id, status: invoice.status, amountDueMinor: invoice.amountDueMinor.toString(), currency: invoice.currency },
  });
  return `recorded:${recorded}:signalled:${event.type}`;
};
