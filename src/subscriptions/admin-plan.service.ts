import type { Knex } from 'knex';
import { ConflictError } from '../shared/errors';
import { directionBetween, getPlan, lockForPlanChange, switchPlanNow } from './plan-change.service';
import { updateSubscription } from './subscriptions.queries';

/**
 * PUT /v1/admin/accounts/:id/plan, for accounts billed outside Stripe (manual, enterprise): the
 * same rules as a subscription's change. `now`: limits switch at once and an upgrade grants the
 * new plan's included credits pro rata; `period_end`: the close of this period applies it.
 */
export async function setPlanByAdmin(db: Knex, accountId: string, planId: string, effective: 'now' | 'period_end', now = new Date()): Promise<string> {
  return db.transaction(async (trx) => {
    const locked = await lockForPlanChange(trx, accountId);
    const target = await getPlan(trx, planId);
    const row = locked.subscription;
    if (row.stripe_subscription_id && row.status !== 'canceled') {
      throw new ConflictError('This account pays through a Stripe subscription: change it with POST /v1/subscription/change', { stripe_subscription_id: row.stripe_subscription_id });
    }
    const current = await getPlan(trx, locked.accountPlanId);
    if (effective === 'period_end') {
      if (directionBetween(current, target) === 'same') throw new ConflictError(`The account is already on plan '${planId}'`, { plan: planId });
      await updateSubscription(trx, accountId, { pending_plan: target.id, cancel_at_period_end: false });
      return `pending:${target.id}`;
    }
    const applied = await switchPlanNow(trx, locked, target, now);
    if (!applied.changed) throw new ConflictError(`The account is already on plan '${planId}'`, { plan: planId });
    await updateSubscription(trx, accountId, { status: 'active' });
    return `${applied.direction}:${target.id}`;
  });
}
