import type { Knex } from 'knex';
import { api } from './api';
import { postWebhook } from './stripe-events';
import { waitFor, waitForInbox } from './stripe-checkout';
import { newSubscriptionFixture, subscriptionCheckoutCompleted, subscriptionEvent, type SubscriptionFixture } from './stripe-subscription-events';

/** Subscription flows against the real stack: signed events in, the database and the API out. */
export const MICRO = 1_000_000n;

export async function subscriptionRow(db: Knex, accountId: string): Promise<any> {
  return db('subscriptions').where({ account_id: accountId }).first();
}

export async function accountPlan(db: Knex, accountId: string): Promise<string> {
  return (await db('accounts').where({ id: accountId }).first('plan_id')).plan_id;
}

export function waitForSubscription(db: Knex, accountId: string, what: string, accept: (row: any, plan: string) => boolean, timeoutMs = 20000) {
  return waitFor(`subscription of ${accountId}: ${what}`, async () => {
    const row = await subscriptionRow(db, accountId);
    return row && accept(row, await accountPlan(db, accountId)) ? row : null;
  }, timeoutMs);
}

/** The grants of plan changes (key plan-change:…): what must happen once per change. */
export async function planChangeEntries(db: Knex, accountId: string, unit = 'credits'): Promise<any[]> {
  return db('ledger_entries').where({ account_id: accountId, unit }).where('idempotency_key', 'like', 'plan-change:%').orderBy('seq');
}

/** Posts a signed event and waits until its handler ran; returns the inbox outcome. */
export async function deliver(db: Knex, event: { id: string }): Promise<string> {
  const response = await postWebhook(event);
  if (response.status !== 200) throw new Error(`webhook refused: ${response.status} ${response.text}`);
  return (await waitForInbox(db, event.id)).outcome as string;
}

/** Subscribes an account to `plan` the way Stripe reports it: the session completes, the subscription is created. */
export async function subscribeViaEvents(db: Knex, accountId: string, plan: string): Promise<SubscriptionFixture> {
  const fixture = newSubscriptionFixture(accountId);
  await deliver(db, subscriptionCheckoutCompleted(fixture, plan));
  await deliver(db, subscriptionEvent('customer.subscription.created', fixture, { plan }));
  await waitForSubscription(db, accountId, `active on ${plan}`, (row, current) => row.status === 'active' && current === plan && row.stripe_subscription_id === fixture.subscriptionId);
  return fixture;
}

export async function createPaidPlan(id: string, monthlyPrice: number, includedCredits: number): Promise<void> {
  const response = await api('PUT', `/v1/admin/plans/${id}`, {
    key: 'admin',
    body: { name: id, monthly_price: monthlyPrice, included_credits: includedCredits, included_tokens: 1000, overage_allowed: true, overage_price_per_credit: 0.01 },
  });
  if (response.status !== 200) throw new Error(`plan not saved: ${response.text}`);
}
