import type { Knex } from 'knex';
import { subscription as periodUsage } from '../credits/reports.service';
import { minorToMajor } from '../shared/amounts';
import { findSubscription, type SubscriptionRow } from './subscriptions.queries';

/**
 * GET /v1/subscription: the plan and usage of the open period as before (plan, status, usage),
 * plus the subscription the workflow keeps current in the database. `status` is `none` for an
 * account on free without a subscription, `active` for a paid plan set by an admin.
 */
export async function subscriptionView(db: Knex, accountId: string) {
  const [usage, row] = await Promise.all([periodUsage(db, accountId), findSubscription(db, accountId)]);
  return {
    ...usage,
    plan: row?.plan_id ?? usage.plan,
    status: statusOf(row, usage.plan),
    pending_plan: row?.cancel_at_period_end ? 'free' : (row?.pending_plan ?? null),
    cancel_at_period_end: row?.cancel_at_period_end ?? false,
    current_period_start: (row?.current_period_start ?? new Date(usage.currentPeriod.start)).toISOString(),
    current_period_end: (row?.current_period_end ?? new Date(usage.currentPeriod.end)).toISOString(),
    stripe_subscription_id: row?.stripe_subscription_id ?? null,
    latest_invoice: row?.latest_invoice
      ? { id: row.latest_invoice.id, status: row.latest_invoice.status, amount_due: minorToMajor(BigInt(row.latest_invoice.amount_due)), currency: row.latest_invoice.currency }
      : null,
    /** the plan whose limits apply now (free while dunning holds the account) */
    limits_plan: usage.plan,
    past_due_since: row?.past_due_since?.toISOString() ?? null,
  };
}

function statusOf(row: SubscriptionRow | null, accountPlan: string): string {
  if (row?.stripe_subscription_id) return row.status;
  // Without Stripe (an admin sets the plan) a paid plan is simply active.
  return (row?.plan_id ?? accountPlan) === 'free' ? 'none' : 'active';
}
