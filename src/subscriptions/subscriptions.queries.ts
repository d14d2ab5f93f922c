import type { Db } from '../db/knex';
import type { SubscriptionStatus } from './subscription.types';

export interface SubscriptionRow {
  account_id: string;
  plan_id: string;
  status: SubscriptionStatus;
  pending_plan: string | null;
  cancel_at_period_end: boolean;
  current_period_start: Date | null;
  current_period_end: Date | null;
  stripe_subscription_id: string | null;
  stripe_customer_id: string | null;
  fee_price_id: string | null;
  overage_price_id: string | null;
  latest_invoice: { id: string; status: string | null; amount_due: number; currency: string } | null;
  stripe_state_at: string | null;
  plan_changes: number;
  past_due_since: Date | null;
  suspended_period: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function findSubscription(db: Db, accountId: string): Promise<SubscriptionRow | null> {
  return (await db<SubscriptionRow>('subscriptions').where({ account_id: accountId }).first()) ?? null;
}

/** The row under lock, created (for the account's current plan) when the account has none yet. */
export async function lockSubscription(db: Db, accountId: string, planId: string): Promise<SubscriptionRow> {
  await db('subscriptions').insert({ account_id: accountId, plan_id: planId, status: 'incomplete' }).onConflict('account_id').ignore();
  return (await db<SubscriptionRow>('subscriptions').where({ account_id: accountId }).forUpdate().first())!;
}

export async function updateSubscription(db: Db, accountId: string, changes: Partial<Omit<SubscriptionRow, 'account_id' | 'created_at'>>): Promise<void> {
  await db('subscriptions')
    .where({ account_id: accountId })
    .update({ ...changes, ...(changes.latest_invoice !== undefined ? { latest_invoice: JSON.stringify(changes.latest_invoice) } : {}), updated_at: db.fn.now() });
}

/** Which account a Stripe subscription or customer belongs to, when the event itself does not say. */
export async function findAccountIdByStripeIds(db: Db, ids: { subscriptionId: string | null; customerId: string | null }): Promise<string | null> {
  if (ids.subscriptionId) {
    const row = await db('subscriptions').where({ stripe_subscription_id: ids.subscriptionId }).first('account_id');
    if (row) return row.account_id as string;
  }
  if (ids.customerId) {
    // Several accounts can share a customer id only under stripe-mock (one fixture id); then the
    // event must name its account in metadata.
    const rows = await db('accounts').where({ stripe_customer_id: ids.customerId }).limit(2).select('id');
    if (rows.length === 1) return rows[0].id as string;
  }
  return null;
}
