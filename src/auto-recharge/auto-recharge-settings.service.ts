import type { Knex } from 'knex';
import type { Config } from '../config/config';
import { findAccount } from '../accounts/accounts.queries';
import { ConflictError, NotFoundError } from '../shared/errors';
import { ATTEMPTS_SHOWN, autoRechargeView } from './auto-recharge-view';
import { findSettings, recentAttempts, upsertSettings } from './auto-recharge.queries';
import { crossingWatchOf } from './crossing-watch';
import { rechargePrice } from './recharge-price';

export interface AutoRechargeSettingsInput {
  accountId: string;
  enabled: boolean;
  threshold: bigint;
  recharge: bigint;
}

/**
 * PUT /v1/billing/auto-recharge. Checked before anything is written: the recharge must be a
 * purchase Settle can price (minimum, maximum, whole cents), and enabling needs the account to be
 * a Stripe customer, since the charge goes to its saved payment method. Whether a payment method
 * is saved is Stripe's to say at charge time: without one the attempt fails with that reason.
 * Disabling always works and keeps the amounts.
 */
export async function putAutoRecharge(deps: { db: Knex; config: Config }, input: AutoRechargeSettingsInput) {
  rechargePrice(deps.config, input.recharge);
  const account = await findAccount(deps.db, input.accountId);
  if (!account) throw new NotFoundError('Account', input.accountId);
  if (input.enabled && !account.stripe_customer_id) {
    throw new ConflictError(
      'Auto-recharge charges the saved payment method, and this account has none yet: add a payment method in the billing portal (POST /v1/billing/portal), then enable it again',
      { field: 'enabled' },
      'no_payment_method',
    );
  }
  const settings = await upsertSettings(deps.db, { account_id: input.accountId, enabled: input.enabled, threshold: input.threshold, recharge: input.recharge });
  await crossingWatchOf(deps.db)?.invalidate();
  return autoRechargeView(settings, await recentAttempts(deps.db, input.accountId, ATTEMPTS_SHOWN));
}

export async function getAutoRecharge(db: Knex, accountId: string) {
  return autoRechargeView(await findSettings(db, accountId), await recentAttempts(db, accountId, ATTEMPTS_SHOWN));
}
