import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../config/config';
import { setCancelAtPeriodEnd, switchSubscriptionPrices } from '../integrations/stripe/subscriptions';
import { AppError, ConflictError } from '../shared/errors';
import { getPlanPrices, stripeTaxRatesFor } from './billing-catalog';
import { directionBetween, getPlan, lockForPlanChange, switchPlanNow } from './plan-change.service';
import { rowView } from './subscription-state.service';
import type { SubscriptionCommand, SubscriptionRowView } from './subscription.types';
import { findSubscription, updateSubscription, type SubscriptionRow } from './subscriptions.queries';

export interface CommandDeps {
  db: Knex;
  stripe: Stripe;
  config: Config;
}

const isLive = (row: SubscriptionRow | null): row is SubscriptionRow & { stripe_subscription_id: string } =>
  !!row?.stripe_subscription_id && ['active', 'trialing', 'past_due'].includes(row.status);

/** The checks the API makes before it asks the workflow: clear answers instead of a silent no-op. */
export async function checkCommand(db: Knex, accountId: string, command: SubscriptionCommand): Promise<void> {
  const row = await findSubscription(db, accountId);
  if (command.kind === 'change') await getPlan(db, command.plan); // 400 for an unknown plan
  if (!isLive(row)) {
    throw new ConflictError('This account has no active subscription: start one with POST /v1/subscription/checkout', { status: row?.status ?? 'none' }, 'no_subscription');
  }
  if (command.kind === 'change' && command.plan === (row.pending_plan ?? row.plan_id) && !row.cancel_at_period_end) {
    throw new ConflictError(`The subscription is already on plan '${command.plan}'`, { plan: command.plan });
  }
  if (command.kind === 'resume' && !row.cancel_at_period_end && !row.pending_plan) {
    throw new ConflictError('Nothing to resume: no cancellation or downgrade is waiting for the end of the period', {});
  }
}

/** Stripe's side of a command (an activity): keyed by the request, so a retry changes Stripe once. */
export async function sendCommandToStripe(deps: CommandDeps, accountId: string, command: SubscriptionCommand): Promise<string> {
  const row = await findSubscription(deps.db, accountId);
  if (!isLive(row)) return 'skipped:no_live_subscription';
  const key = `subscription-${command.kind}:${accountId}:${command.requestId}`;
  const pricesOf = async (planId: string) => {
    const prices = await getPlanPrices(deps, planId);
    if (!prices) throw new AppError(422, 'plan_not_billable', `Plan '${planId}' has no Stripe prices; give it a monthly price with PUT /v1/admin/plans/${planId}`);
    return { ...prices, taxRateIds: await stripeTaxRatesFor(deps, accountId) };
  };
  switch (command.kind) {
    case 'change': {
      const direction = directionBetween(await getPlan(deps.db, row.plan_id), await getPlan(deps.db, command.plan));
      const prices = await pricesOf(command.plan);
      await switchSubscriptionPrices(deps.stripe, { subscriptionId: row.stripe_subscription_id, planId: command.plan, feePriceId: prices.feePriceId, overagePriceId: prices.overagePriceId, tokenOveragePriceId: prices.tokenOveragePriceId, taxRateIds: prices.taxRateIds, prorate: direction === 'upgrade', idempotencyKey: key });
      return `stripe:${direction}`;
    }
    case 'cancel':
      await setCancelAtPeriodEnd(deps.stripe, row.stripe_subscription_id, true, key);
      return 'stripe:cancel_at_period_end';
    case 'resume': {
      await setCancelAtPeriodEnd(deps.stripe, row.stripe_subscription_id, false, key);
      if (row.pending_plan) {
        const prices = await pricesOf(row.plan_id);
        await switchSubscriptionPrices(deps.stripe, { subscriptionId: row.stripe_subscription_id, planId: row.plan_id, feePriceId: prices.feePriceId, overagePriceId: prices.overagePriceId, tokenOveragePriceId: prices.tokenOveragePriceId, taxRateIds: prices.taxRateIds, prorate: false, idempotencyKey: `${key}:prices` });
      }
      return 'stripe:resumed';
    }
  }
}

/** Settle's side of a command (an activity), after Stripe accepted it. */
export async function applyCommand(db: Knex, accountId: string, command: SubscriptionCommand, now = new Date()): Promise<{ outcome: string; view: SubscriptionRowView }> {
  const outcome = await db.transaction(async (trx) => {
    const locked = await lockForPlanChange(trx, accountId);
    switch (command.kind) {
      case 'change': {
        const target = await getPlan(trx, command.plan);
        const direction = directionBetween(await getPlan(trx, locked.subscription.plan_id), target);
        if (direction === 'downgrade') {
          await updateSubscription(trx, accountId, { pending_plan: target.id, cancel_at_period_end: false });
          return `downgrade_at_period_end:${target.id}`;
        }
        if (direction === 'same') {
          await updateSubscription(trx, accountId, { pending_plan: null, cancel_at_period_end: false });
          return 'plan_unchanged';
        }
        if (locked.subscription.suspended_period) {
          await updateSubscription(trx, accountId, { plan_id: target.id, pending_plan: null });
          return `plan_recorded_while_suspended:${target.id}`;
        }
        const applied = await switchPlanNow(trx, locked, target, now);
        return `upgraded:${target.id}:granted:${applied.grantedCredits}`;
      }
      case 'cancel':
        await updateSubscription(trx, accountId, { cancel_at_period_end: true });
        return 'cancel_at_period_end';
      case 'resume':
        await updateSubscription(trx, accountId, { cancel_at_period_end: false, pending_plan: null });
        return 'resumed';
    }
  });
  return { outcome, view: rowView(await findSubscription(db, accountId)) };
}
