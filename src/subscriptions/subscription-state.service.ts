import type { Knex } from 'knex';
import { recordEvent } from '../outgoing-webhooks/record-event';
import { periodKey } from '../periods/compute/calendar-month';
import { dunningGraceMs, isNewerStripeState } from './compute/plan-change';
import { directionBetween, getPlan, lockForPlanChange, switchPlanNow, type LockedAccount } from './plan-change.service';
import type { SubscriptionEvent, SubscriptionRowView, SubscriptionSnapshot } from './subscription.types';
import { findSubscription, updateSubscription, type SubscriptionRow } from './subscriptions.queries';

/**
 * What Stripe's facts do to the subscription row and the account, one short transaction each
 * (run by the subscription workflow's activities). Every function is safe to run twice: the
 * transitions are decided under the account's locks from what is stored, and Stripe states older
 * than the newest applied one are ignored.
 */
export function rowView(row: SubscriptionRow | null): SubscriptionRowView {
  if (!row) return { status: 'none', plan: null, pending_plan: null, cancel_at_period_end: false, past_due_since: null, suspended: false };
  return {
    status: row.status,
    plan: row.plan_id,
    pending_plan: row.pending_plan,
    cancel_at_period_end: row.cancel_at_period_end,
    past_due_since: row.past_due_since?.toISOString() ?? null,
    suspended: row.suspended_period !== null,
  };
}

export interface AppliedEvent {
  outcome: string;
  view: SubscriptionRowView;
  /** set while the subscription is past due and not yet suspended: when dunning drops it to free (ISO) */
  dunningDeadline: string | null;
}

export async function applySubscriptionEvent(db: Knex, accountId: string, event: SubscriptionEvent, graceDays: number, now = new Date()): Promise<AppliedEvent> {
  const outcome = await db.transaction(async (trx) => withUpdatedEvent(trx, accountId, async () => {
    const locked = await lockForPlanChange(trx, accountId);
    switch (event.kind) {
      case 'subscription':
        return applySnapshot(trx, locked, event.snapshot, event.created, now);
      case 'invoice_payment_failed':
        await updateSubscription(trx, accountId, {
          latest_invoice: { id: event.invoice.id, status: event.invoice.status, amount_due: Number(event.invoice.amountDueMinor), currency: event.invoice.currency },
        });
        return beginDunning(trx, locked, now);
      case 'invoice_paid':
        await updateSubscription(trx, accountId, {
          latest_invoice: { id: event.invoice.id, status: event.invoice.status ?? 'paid', amount_due: Number(event.invoice.amountDueMinor), currency: event.invoice.currency },
        });
        return restoreAfterPayment(trx, locked, now);
    }
  }));
  const row = await findSubscription(db, accountId);
  return { outcome, view: rowView(row), dunningDeadline: dunningDeadlineOf(row, graceDays) };
}

/** subscription.updated for every change a Stripe event or dunning made (not for ignored ones), in the same transaction. */
async function withUpdatedEvent(trx: Knex.Transaction, accountId: string, apply: () => Promise<string>): Promise<string> {
  const outcome = await apply();
  if (outcome.startsWith('ignored:') || outcome.endsWith(':already')) return outcome;
  const row = rowView(await findSubscription(trx, accountId));
  await recordEvent(trx, { type: 'subscription.updated', accountId, data: { outcome, subscription: row } });
  return outcome;
}

export function dunningDeadlineOf(row: SubscriptionRow | null, graceDays: number): string | null {
  if (!row || row.status !== 'past_due' || !row.past_due_since || row.suspended_period) return null;
  return new Date(row.past_due_since.getTime() + dunningGraceMs(graceDays)).toISOString();
}

async function applySnapshot(trx: Knex.Transaction, locked: LockedAccount, snapshot: SubscriptionSnapshot, created: number, now: Date): Promise<string> {
  const row = locked.subscription;
  const appliedAt = row.stripe_state_at === null ? null : Number(row.stripe_state_at);
  if (!isNewerStripeState(created, appliedAt)) return 'ignored:older_than_applied_state';
  if (row.stripe_subscription_id && snapshot.stripeSubscriptionId && row.stripe_subscription_id !== snapshot.stripeSubscriptionId && row.status !== 'canceled') {
    // One live subscription per account: a second one (e.g. two checkouts paid) is left for finance ops.
    return 'ignored:another_subscription_is_live';
  }
  await updateSubscription(trx, locked.accountId, {
    stripe_state_at: String(created),
    ...(snapshot.stripeSubscriptionId ? { stripe_subscription_id: snapshot.stripeSubscriptionId } : {}),
    ...(snapshot.stripeCustomerId ? { stripe_customer_id: snapshot.stripeCustomerId } : {}),
    ...(snapshot.currentPeriodStart ? { current_period_start: new Date(snapshot.currentPeriodStart) } : {}),
    ...(snapshot.currentPeriodEnd ? { current_period_end: new Date(snapshot.currentPeriodEnd) } : {}),
    ...(snapshot.feePriceId ? { fee_price_id: snapshot.feePriceId } : {}),
    ...(snapshot.overagePriceId ? { overage_price_id: snapshot.overagePriceId } : {}),
    ...(snapshot.cancelAtPeriodEnd !== null ? { cancel_at_period_end: snapshot.cancelAtPeriodEnd } : {}),
  });
  if (snapshot.stripeCustomerId) {
    await trx('accounts').where({ id: locked.accountId }).whereNull('stripe_customer_id').update({ stripe_customer_id: snapshot.stripeCustomerId });
  }

  switch (snapshot.status) {
    case 'incomplete':
      if (row.status === 'incomplete') return 'incomplete';
      return 'ignored:incomplete_after_start';
    case 'canceled':
      return cancelNowOrAtClose(trx, locked, now);
    case 'past_due':
      await updateSubscription(trx, locked.accountId, { status: 'past_due' });
      return beginDunning(trx, { ...locked, subscription: { ...locked.subscription, status: 'past_due' } }, now);
    case 'active':
    case 'trialing': {
      const wasPastDue = row.status === 'past_due';
      await updateSubscription(trx, locked.accountId, { status: snapshot.status });
      if (wasPastDue) await restoreAfterPayment(trx, locked, now);
      return snapshot.planId ? applySubscribedPlan(trx, locked, snapshot.planId, now) : 'active';
    }
  }
}

/**
 * The plan Stripe now bills: a dearer one applies at once (with its prorated grant); a cheaper
 * one waits for the period's end (the close applies `pending_plan`); the current one clears any
 * pending change (a resume). While dunning holds the account on free limits, only the row moves.
 */
async function applySubscribedPlan(trx: Knex.Transaction, locked: LockedAccount, planId: string, now: Date): Promise<string> {
  const target = await trx('plans').where({ id: planId }).first();
  if (!target) return `ignored:unknown_plan:${planId}`;
  // Read again under the locks already held: a restore earlier in this transaction may have moved the plan.
  const fresh = await lockForPlanChange(trx, locked.accountId);
  if (fresh.subscription.suspended_period) {
    await updateSubscription(trx, locked.accountId, { plan_id: planId, pending_plan: null });
    return 'plan_recorded_while_suspended';
  }
  const current = await getPlan(trx, fresh.accountPlanId);
  const direction = directionBetween(current, target);
  if (direction === 'same') {
    await updateSubscription(trx, locked.accountId, { plan_id: planId, pending_plan: null });
    return 'plan_unchanged';
  }
  if (direction === 'downgrade') {
    await updateSubscription(trx, locked.accountId, { pending_plan: planId });
    return `downgrade_at_period_end:${planId}`;
  }
  const applied = await switchPlanNow(trx, fresh, target, now);
  return `upgraded:${planId}:granted:${applied.grantedCredits}`;
}

/**
 * Stripe ended the subscription. At the end of the period (the close has not run yet) the close
 * moves the account to free; ended mid-period (canceled at once) the limits drop now.
 */
async function cancelNowOrAtClose(trx: Knex.Transaction, locked: LockedAccount, now: Date): Promise<string> {
  const periodOver = now.getTime() >= locked.periodEnd.getTime() - 60_000;
  if (periodOver) {
    await updateSubscription(trx, locked.accountId, { status: 'canceled', cancel_at_period_end: true, past_due_since: null });
    return 'canceled:free_from_next_period';
  }
  const free = await getPlan(trx, 'free');
  await switchPlanNow(trx, locked, free, now);
  await updateSubscription(trx, locked.accountId, { status: 'canceled', plan_id: 'free', pending_plan: null, cancel_at_period_end: false, past_due_since: null, suspended_period: null });
  return 'canceled:free_now';
}

async function beginDunning(trx: Knex.Transaction, locked: LockedAccount, now: Date): Promise<string> {
  const row = (await findSubscription(trx, locked.accountId))!;
  if (row.status === 'canceled') return 'ignored:canceled';
  if (row.past_due_since) {
    if (row.status !== 'past_due') await updateSubscription(trx, locked.accountId, { status: 'past_due' });
    return 'past_due:already';
  }
  await updateSubscription(trx, locked.accountId, { status: 'past_due', past_due_since: now });
  return 'past_due';
}

/** Paid again: dunning ends, and an account dunning had dropped to free gets its plan back. */
async function restoreAfterPayment(trx: Knex.Transaction, locked: LockedAccount, now: Date): Promise<string> {
  const row = (await findSubscription(trx, locked.accountId))!;
  if (row.status === 'canceled') return 'ignored:canceled';
  await updateSubscription(trx, locked.accountId, { status: row.status === 'past_due' || row.status === 'incomplete' ? 'active' : row.status, past_due_since: null });
  if (!row.suspended_period) return 'paid';
  const plan = await getPlan(trx, row.plan_id);
  await updateSubscription(trx, locked.accountId, { suspended_period: null });
  if (row.suspended_period === periodKey(locked.periodStart)) {
    // Suspended in this same period: its included credits were granted at its start and kept.
    await trx('accounts').where({ id: locked.accountId }).update({ plan_id: plan.id });
    return `restored:${plan.id}`;
  }
  // A close ran while suspended and granted free's allowance: the plan's, pro rata, like an upgrade.
  const applied = await switchPlanNow(trx, { ...locked, subscription: { ...row, suspended_period: null } }, plan, now);
  return `restored:${plan.id}:granted:${applied.grantedCredits}`;
}

/** The grace ran out unpaid: the account falls back to free limits until an invoice is paid. */
export async function suspendForDunning(db: Knex, accountId: string, graceDays: number, now = new Date()): Promise<AppliedEvent> {
  const outcome = await db.transaction(async (trx) => withUpdatedEvent(trx, accountId, async () => {
    const locked = await lockForPlanChange(trx, accountId);
    const row = locked.subscription;
    if (row.status !== 'past_due' || !row.past_due_since || row.suspended_period) return 'ignored:not_past_due';
    if (row.past_due_since.getTime() + dunningGraceMs(graceDays) > now.getTime()) return 'ignored:grace_not_over';
    await trx('accounts').where({ id: accountId }).update({ plan_id: 'free' });
    await updateSubscription(trx, accountId, { suspended_period: periodKey(locked.periodStart) });
    return 'suspended:free_limits';
  }));
  const row = await findSubscription(db, accountId);
  return { outcome, view: rowView(row), dunningDeadline: dunningDeadlineOf(row, graceDays) };
}
