import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../src/config/config';
import { asActivity } from './activity-errors';
import { resolvePayoutWindow } from '../src/payouts/compute/payout-period';
import { planPayoutRun, payoutRunPage, periodPayoutCounts, type PlannedPayout } from '../src/payouts/payout-run.service';
import { preparePayout, type Prepared } from '../src/payouts/prepare-payout';
import { markPayoutFailed, sendPayoutTransfer } from '../src/payouts/send-transfer';

/**
 * Payout activities: thin, idempotent wrappers over src/payouts. Dates cross the workflow
 * boundary as ISO strings.
 */
export interface PayoutWindowInput {
  period: string;
  asOf: string;
  currency: string;
}

export function createPayoutActivities(deps: { db: Knex; stripe: Stripe; config: Config }) {
  const window = (input: PayoutWindowInput) => ({ period: input.period, asOf: new Date(input.asOf), currency: input.currency });
  return {
    /** Resolves the run's period and cutoff (defaults: the previous month) and creates its payout rows. */
    async planPayoutRun(input: { period?: string; asOf?: string }): Promise<PayoutWindowInput & { planned: number }> {
      return asActivity(async () => {
        const resolved = resolvePayoutWindow(new Date(), { period: input.period, asOf: input.asOf ? new Date(input.asOf) : null });
        const runWindow = { ...resolved, currency: deps.config.CREDIT_CURRENCY };
        const planned = await planPayoutRun(deps.db, runWindow);
        return { period: resolved.period, asOf: resolved.asOf.toISOString(), currency: runWindow.currency, planned: planned.length };
      });
    },

    async payoutRunPage(input: PayoutWindowInput & { afterId: string | null; limit: number }): Promise<PlannedPayout[]> {
      return payoutRunPage(deps.db, window(input), { afterId: input.afterId, limit: input.limit });
    },

    async payoutRunCounts(input: { period: string }) {
      return periodPayoutCounts(deps.db, input.period);
    },

    async preparePayout(input: { payoutId: string; asOf: string }): Promise<Prepared> {
      return asActivity(() => preparePayout(deps.db, deps.config, { payoutId: input.payoutId, asOf: new Date(input.asOf) }));
    },

    /**
     * The Stripe transfer. Retryable failures (no answer, 5xx, 429, 409) are thrown as they are and
     * retried by the activity policy with the same idempotency key; Stripe's rejections become a
     * non-retryable ApplicationFailure whose type is Stripe's error code.
     */
    async sendPayoutTransfer(input: { payoutId: string; attempt: number }) {
      const context = Context.current();
      const outcome = await sendPayoutTransfer({ db: deps.db, stripe: deps.stripe, heartbeat: () => context.heartbeat() }, input);
      if (outcome.kind === 'rejected') {
        throw ApplicationFailure.create({
          message: outcome.rejection.message,
          type: outcome.rejection.code,
          nonRetryable: true,
          details: [outcome.rejection],
        });
      }
      return outcome;
    },

    async markPayoutFailed(input: { payoutId: string; attempt: number; code: string; reason: string }): Promise<void> {
      await markPayoutFailed(deps.db, input);
    },
  };
}
