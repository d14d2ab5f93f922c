import type { Knex } from 'knex';
import type Stripe from 'stripe';

export function createSystemActivities(deps: { db: Knex; stripe: Stripe }) {
  return {
    /** Idempotent by check id: a retried attempt finds the row it already wrote. */
    async recordSystemCheck(input: { id: string; note: string }) {
      await deps.db('system_checks').insert(input).onConflict('id').ignore();
      const row: { note: string; checked_at: Date } = await deps.db('system_checks').where({ id: input.id }).first();
      return { id: input.id, note: row.note, checkedAt: row.checked_at.toISOString(), roundTripOk: row.note === input.note };
    },

    /**
     * Whether the worker (not only the API) reaches Stripe with its key: payouts, refunds and
     * subscriptions call Stripe from here. Answers the problem instead of failing the check.
     */
    async checkStripeFromWorker(): Promise<{ stripeOk: boolean; stripeError: string | null }> {
      try {
        await deps.stripe.balance.retrieve();
        return { stripeOk: true, stripeError: null };
      } catch (error) {
        return { stripeOk: false, stripeError: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
