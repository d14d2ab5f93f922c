import type { Knex } from 'knex';
import { billingCredits } from '../credits/reports.service';
import { subscriptionView } from '../subscriptions/subscription-view';
import { creditsToMicro, microToCredits } from '../shared/amounts';
import { creditValueMajor } from '../catalog/compute/credit-value';
import { findAccount } from './accounts.queries';
import { listAccountKeys, type AccountListRow, type ApiKeyListRow } from './account-list.queries';
import { NotFoundError } from '../shared/errors';

export interface CreditPrice {
  priceMicroMinor: bigint;
  currency: string;
}

/** A row of GET /v1/admin/accounts. */
export function accountListView(row: AccountListRow) {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    plan: row.plan_id,
    balance: microToCredits(row.balance),
    subscription_status: row.subscription_status,
    period_start: row.period_start.toISOString(),
    period_end: row.period_end.toISOString(),
    created_at: row.created_at.toISOString(),
  };
}

const keyView = (key: ApiKeyListRow) => ({
  id: key.id,
  prefix: key.prefix,
  created_at: key.created_at.toISOString(),
  revoked_at: key.revoked_at?.toISOString() ?? null,
});

/**
 * GET /v1/admin/accounts/:id: what finance ops look at first. The balance and period are the
 * ones the account's own key reads (same functions), the subscription the one /v1/subscription
 * shows; keys are listed by id and prefix only.
 */
export async function accountDetail(db: Knex, accountId: string, price: CreditPrice) {
  const account = await findAccount(db, accountId);
  if (!account) throw new NotFoundError('Account', accountId);
  const [credits, subscription, keys] = await Promise.all([billingCredits(db, accountId), subscriptionView(db, accountId), listAccountKeys(db, accountId)]);
  return {
    id: account.id,
    name: account.name,
    email: account.email,
    plan: account.plan_id,
    stripe_customer_id: account.stripe_customer_id,
    created_at: account.created_at.toISOString(),
    balance: credits.credits,
    held: credits.held,
    available: credits.available,
    balance_value: Number(creditValueMajor(creditsToMicro(credits.credits), price.priceMicroMinor)),
    currency: price.currency.toUpperCase(),
    period: {
      start: credits.period_start,
      end: credits.reset_date,
      included_credits: credits.included_credits,
      used: credits.used_this_period,
      overage: credits.overage_this_period,
    },
    subscription: {
      plan: subscription.plan,
      status: subscription.status,
      pending_plan: subscription.pending_plan,
      cancel_at_period_end: subscription.cancel_at_period_end,
      current_period_start: subscription.current_period_start,
      current_period_end: subscription.current_period_end,
      stripe_subscription_id: subscription.stripe_subscription_id,
      latest_invoice: subscription.latest_invoice,
    },
    keys: keys.map(keyView),
  };
}
