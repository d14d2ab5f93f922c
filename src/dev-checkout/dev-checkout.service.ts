import type { AppDeps } from '../app-deps';
import { findAccount } from '../accounts/accounts.queries';
import { findPlan } from '../catalog/catalog.queries';
import { findPaymentOrder, type PaymentOrderRow } from '../checkout/payment-orders.queries';
import { monthContaining, nextMonth } from '../periods/compute/calendar-month';
import { findSubscription } from '../subscriptions/subscriptions.queries';
import { microToCredits, minorToMajor } from '../shared/amounts';
import { ConflictError, NotFoundError, UnavailableError } from '../shared/errors';
import { purchaseSessionEvent, randomStripeId, subscriptionCheckoutEvents, type PurchaseEventKind, type StripeEventEnvelope } from './dev-checkout-events';
import type { DevCheckoutRef } from './dev-checkout-url';

export type DevCheckoutAction = 'pay' | 'pay-later' | 'fail' | 'expire';
export const DEV_CHECKOUT_ACTIONS: DevCheckoutAction[] = ['pay', 'pay-later', 'fail', 'expire'];

/** What the page shows: what is bought, by whom, and whether it can still be paid. */
export interface DevCheckoutView {
  title: string;
  accountName: string;
  amount: number;
  currency: string;
  /** pending, fulfilled, review, failed, expired, refunded (purchases); open or active (subscriptions) */
  status: string;
  open: boolean;
  awaitingAsyncPayment: boolean;
  details: Array<[string, string]>;
}

type Deps = Pick<AppDeps, 'db' | 'stripe' | 'webhookSecret'>;

async function checkoutOrder(deps: Deps, purchaseId: string): Promise<PaymentOrderRow> {
  const order = await findPaymentOrder(deps.db, purchaseId);
  if (!order || order.source !== 'checkout') throw new NotFoundError('Checkout session', purchaseId);
  return order;
}

export async function loadDevCheckout(deps: Deps, ref: DevCheckoutRef): Promise<DevCheckoutView> {
  if (ref.kind === 'purchase') {
    const order = await checkoutOrder(deps, ref.purchaseId);
    const account = await findAccount(deps.db, order.account_id);
    return {
      title: `${microToCredits(order.credits).toLocaleString('en-US')} credits${order.package_id ? ` (${order.package_id} package)` : ''}`,
      accountName: account?.name ?? order.account_id,
      amount: minorToMajor(order.amount_due_minor),
      currency: order.currency.toUpperCase(),
      status: order.status,
      open: order.status === 'pending',
      awaitingAsyncPayment: order.awaiting_async_payment,
      details: [
        ['Purchase', order.id],
        ['Account', order.account_id],
        ['Credits added', String(microToCredits(order.credits_added))],
      ],
    };
  }
  const account = await findAccount(deps.db, ref.accountId);
  const plan = await findPlan(deps.db, ref.plan);
  if (!account || !plan) throw new NotFoundError('Checkout session', `sub.${ref.accountId}.${ref.plan}`);
  const subscription = await findSubscription(deps.db, ref.accountId);
  const active = Boolean(subscription?.stripe_subscription_id) && ['active', 'trialing', 'past_due'].includes(subscription!.status);
  return {
    title: `${plan.name} plan, monthly`,
    accountName: account.name,
    amount: minorToMajor(plan.monthly_price_minor),
    currency: plan.currency.toUpperCase(),
    status: active ? `subscribed (${subscription!.plan_id})` : 'open',
    open: !active,
    awaitingAsyncPayment: false,
    details: [
      ['Account', account.id],
      ['Plan', plan.id],
      ['Billing', 'calendar months, renewing on the 1st (the first month prorated)'],
    ],
  };
}

function purchaseEventKinds(order: PaymentOrderRow, action: DevCheckoutAction): PurchaseEventKind[] {
  const waiting = order.awaiting_async_payment;
  switch (action) {
    case 'pay':
      return waiting ? ['async_payment_succeeded'] : ['completed_paid'];
    case 'pay-later':
      if (waiting) throw new ConflictError('This checkout already waits for a delayed payment: choose Pay or Fail');
      return ['completed_unpaid'];
    case 'fail':
      // Checkout reports a failure only for delayed methods: the session completes unpaid, then fails.
      return waiting ? ['async_payment_failed'] : ['completed_unpaid', 'async_payment_failed'];
    case 'expire':
      return ['expired'];
  }
}

async function purchaseEvents(deps: Deps, purchaseId: string, action: DevCheckoutAction, now: number): Promise<StripeEventEnvelope[]> {
  const order = await checkoutOrder(deps, purchaseId);
  if (order.status !== 'pending') throw new ConflictError(`This checkout is no longer open: the purchase is ${order.status}`, { status: order.status });
  const session = {
    purchaseId: order.id,
    accountId: order.account_id,
    sessionId: order.stripe_session_id ?? `cs_dev_${order.id.slice(4)}`,
    customerId: order.stripe_customer_id,
    amountMinor: BigInt(order.amount_due_minor),
    currency: order.currency,
    expiresAt: Math.floor((order.expires_at?.getTime() ?? now * 1000 + 86_400_000) / 1000),
  };
  return purchaseEventKinds(order, action).map((kind) => purchaseSessionEvent(session, kind, now));
}

async function subscriptionEvents(deps: Deps, ref: Extract<DevCheckoutRef, { kind: 'subscription' }>, action: DevCheckoutAction, now: number) {
  const view = await loadDevCheckout(deps, ref);
  if (!view.open) throw new ConflictError(`This account is already ${view.status}`, { status: view.status });
  const account = (await findAccount(deps.db, ref.accountId))!;
  const plan = (await findPlan(deps.db, ref.plan))!;
  const periodEnd = Math.floor(nextMonth(monthContaining(new Date(now * 1000))).start.getTime() / 1000);
  const outcome = action === 'pay' ? 'paid' : action === 'pay-later' ? 'unpaid' : 'expired';
  return subscriptionCheckoutEvents(
    {
      accountId: account.id,
      plan: plan.id,
      customerId: account.stripe_customer_id ?? `cus_dev_${account.id.slice(5)}`,
      subscriptionId: randomStripeId('sub'),
      sessionId: randomStripeId('cs'),
      amountMinor: BigInt(plan.monthly_price_minor),
      currency: plan.currency,
      overage: plan.overage_allowed,
    },
    outcome,
    now,
    periodEnd,
  );
}

export interface SentEvent {
  id: string;
  type: string;
  status: number;
}

/**
 * Presses a button of the page: builds the events Stripe would send for it and delivers each,
 * signed with this service's webhook secret by the Stripe SDK's own helper, to this service's
 * webhook endpoint at `apiOrigin`, in order.
 */
export async function sendDevCheckoutAction(deps: Deps, ref: DevCheckoutRef, action: DevCheckoutAction, apiOrigin: string): Promise<SentEvent[]> {
  const now = Math.floor(Date.now() / 1000);
  const events = ref.kind === 'purchase' ? await purchaseEvents(deps, ref.purchaseId, action, now) : await subscriptionEvents(deps, ref, action, now);
  const sent: SentEvent[] = [];
  for (const event of events) {
    const payload = JSON.stringify(event);
    const signature = deps.stripe.webhooks.generateTestHeaderString({ payload, secret: deps.webhookSecret });
    let status: number;
    try {
      const response = await fetch(`${apiOrigin}/v1/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: payload });
      await response.text();
      status = response.status;
    } catch (error) {
      throw new UnavailableError('The webhook endpoint could not be reached', { reason: error instanceof Error ? error.message : String(error) });
    }
    if (status >= 300) throw new UnavailableError(`The webhook endpoint answered ${status} to ${event.type}`, { event_id: event.id, status });
    sent.push({ id: event.id, type: event.type, status });
  }
  return sent;
}
