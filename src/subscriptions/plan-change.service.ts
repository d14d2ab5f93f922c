import type { Knex } from 'knex';
import { findPlan, type PlanRow } from '../catalog/catalog.queries';
import { postCredit } from '../credits/ledger.service';
import { lockBalance } from '../credits/ledger.queries';
import { monthContaining, periodKey } from '../periods/compute/calendar-month';
import { NotFoundError, ValidationError } from '../shared/errors';
import { planChangeKey, planDirection, proratedIncluded, type PlanDirection } from './compute/plan-change';
import { lockSubscription, updateSubscription, type SubscriptionRow } from './subscriptions.queries';

/**
 * Plan changes on Settle's side, wherever they come from (the subscription workflow, an admin,
 * the close). Each runs inside the caller's transaction and takes the account's balance rows
 * first (the order every ledger writer uses), then the subscription row: the transition is
 * decided under those locks, so a replayed signal or a re-delivered event finds the plan already
 * changed and grants nothing.
 */
export interface LockedAccount {
  accountId: string;
  accountPlanId: string;
  periodStart: Date;
  periodEnd: Date;
  subscription: SubscriptionRow;
}

export async function lockForPlanChange(trx: Knex.Transaction, accountId: string): Promise<LockedAccount> {
  if (!(await lockBalance(trx, accountId, 'credits'))) throw new NotFoundError('Account', accountId);
  await lockBalance(trx, accountId, 'tokens');
  const account = await trx('accounts').where({ id: accountId }).first('plan_id', 'period_start', 'period_end');
  const subscription = await lockSubscription(trx, accountId, account.plan_id as string);
  return { accountId, accountPlanId: account.plan_id, periodStart: account.period_start, periodEnd: account.period_end, subscription };
}

export async function getPlan(db: Knex | Knex.Transaction, planId: string): Promise<PlanRow> {
  const plan = await findPlan(db, planId);
  if (!plan) throw new ValidationError(`Unknown plan '${planId}'; GET /v1/plans lists the plans`, { field: 'plan' });
  return plan;
}

const priceOf = (plan: PlanRow) => ({ id: plan.id, monthlyPriceMinor: BigInt(plan.monthly_price_minor) });

export function directionBetween(from: PlanRow, to: PlanRow): PlanDirection {
  return planDirection(priceOf(from), priceOf(to));
}

export interface AppliedChange {
  changed: boolean;
  direction: PlanDirection;
  /** micro-credits granted for the rest of the period (upgrades) */
  grantedCredits: bigint;
  grantedTokens: bigint;
}

/**
 * The account moves to `toPlan` now: its limits switch at once, and an upgrade grants the new
 * plan's included credits and tokens for the rest of the open period, pro rata, as `included`
 * grants expiring with the period (keyed `plan-change:<account>:<period>:<n>`). A downgrade applied
 * now takes nothing back: what was granted stays until the period ends.
 */
export async function switchPlanNow(trx: Knex.Transaction, locked: LockedAccount, toPlan: PlanRow, now: Date): Promise<AppliedChange> {
  const fromPlan = await getPlan(trx, locked.accountPlanId);
  const direction = directionBetween(fromPlan, toPlan);
  if (direction === 'same') return { changed: false, direction, grantedCredits: 0n, grantedTokens: 0n };
  const n = locked.subscription.plan_changes + 1;
  await trx('accounts').where({ id: locked.accountId }).update({ plan_id: toPlan.id });
  await updateSubscription(trx, locked.accountId, { plan_id: toPlan.id, plan_changes: n, pending_plan: null });
  locked.accountPlanId = toPlan.id;
  locked.subscription = { ...locked.subscription, plan_id: toPlan.id, plan_changes: n, pending_plan: null };
  if (direction !== 'upgrade') return { changed: true, direction, grantedCredits: 0n, grantedTokens: 0n };

  const period = { start: locked.periodStart, end: locked.periodEnd };
  const key = planChangeKey(locked.accountId, periodKey(period), n);
  const granted = {
    credits: proratedIncluded(BigInt(toPlan.included_credits_micro), period, now),
    tokens: proratedIncluded(BigInt(toPlan.included_tokens), period, now, 1n),
  };
  for (const unit of ['credits', 'tokens'] as const) {
    if (granted[unit] === 0n) continue;
    await postCredit(trx, {
      accountId: locked.accountId,
      unit,
      kind: 'included',
      type: 'grant',
      amount: granted[unit],
      idempotencyKey: `${key}:${unit}`,
      source: key,
      description: `${toPlan.name} plan: included ${unit} for the rest of ${periodKey(period)}`,
      reference: key,
      startsAt: now,
      expiresAt: period.end,
    });
  }
  return { changed: true, direction, grantedCredits: granted.credits, grantedTokens: granted.tokens };
}

/**
 * At the close of the period ending now: the change waiting for period end (a downgrade, or a
 * cancellation to free) takes effect for the next period. Returns the plan the next period is
 * granted from, or null when nothing was waiting.
 */
export async function takePeriodEndChange(trx: Knex.Transaction, accountId: string): Promise<PlanRow | null> {
  const subscription = await trx<SubscriptionRow>('subscriptions').where({ account_id: accountId }).forUpdate().first();
  if (!subscription) return null;
  const nextPlanId = subscription.cancel_at_period_end ? 'free' : subscription.pending_plan;
  if (!nextPlanId) return null;
  const nextPlan = await getPlan(trx, nextPlanId);
  await trx('accounts').where({ id: accountId }).update({ plan_id: nextPlan.id });
  await updateSubscription(trx, accountId, {
    plan_id: nextPlan.id,
    pending_plan: null,
    cancel_at_period_end: false,
    plan_changes: subscription.plan_changes + 1,
    ...(subscription.cancel_at_period_end ? { status: 'canceled' as const } : {}),
  });
  return nextPlan;
}

/** The current period of an account, as a key (YYYY-MM), for a moment inside it. */
export const periodKeyAt = (now: Date): string => periodKey(monthContaining(now));
