/**
 * What the subscription workflow, its activities and its clients exchange. Plain JSON types only:
 * workflows import them with `import type`; bigints travel as decimal strings.
 */

export const SUBSCRIPTION_WORKFLOW = 'subscription';
export const SUBSCRIPTION_EVENT_SIGNAL = 'stripeEvent';
export const SUBSCRIPTION_COMMAND_SIGNAL = 'command';

export const subscriptionWorkflowId = (accountId: string) => `subscription:${accountId}`;

export type SubscriptionStatus = 'incomplete' | 'active' | 'trialing' | 'past_due' | 'canceled';

/** A subscription as a Stripe object (event or Checkout Session) describes it. */
export interface SubscriptionSnapshot {
  stripeSubscriptionId: string | null;
  stripeCustomerId: string | null;
  status: SubscriptionStatus;
  /** null when the object names no plan Settle knows (e.g. a session still without items) */
  planId: string | null;
  cancelAtPeriodEnd: boolean | null;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  feePriceId: string | null;
  overagePriceId: string | null;
}

/** A Stripe fact for the workflow, signalled by the webhook handlers. */
export type SubscriptionEvent =
  | { kind: 'subscription'; eventId: string; created: number; snapshot: SubscriptionSnapshot }
  | { kind: 'invoice_paid' | 'invoice_payment_failed'; eventId: string; created: number; invoice: { id: string; status: string | null; amountDueMinor: string; currency: string } };

/** What a customer (API) or an operator asks of the subscription. */
export type SubscriptionCommand =
  | { kind: 'change'; requestId: string; plan: string }
  | { kind: 'cancel'; requestId: string }
  | { kind: 'resume'; requestId: string };

export interface SubscriptionWorkflowInput {
  accountId: string;
  /** carried across continue-as-new */
  carried?: { dunningDeadline: string | null; seenEventIds: string[]; handled: number };
}

export interface SubscriptionState {
  account_id: string;
  step: 'idle' | 'applying' | 'waiting_for_payment';
  status: SubscriptionStatus | 'none';
  plan: string | null;
  pending_plan: string | null;
  cancel_at_period_end: boolean;
  /** when dunning drops the account to free limits, if still unpaid (ISO) */
  dunning_deadline: string | null;
  handled: number;
  last_event: string | null;
  last_error: string | null;
}

/** The database row's view, answered by the activities so the workflow's state follows it. */
export interface SubscriptionRowView {
  status: SubscriptionStatus | 'none';
  plan: string | null;
  pending_plan: string | null;
  cancel_at_period_end: boolean;
  past_due_since: string | null;
  suspended: boolean;
}
