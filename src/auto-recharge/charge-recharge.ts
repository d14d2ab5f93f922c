import type { Knex } from 'knex';
import Stripe from 'stripe';
import { findAccount } from '../accounts/accounts.queries';
import { stripeRejection } from '../payouts/stripe-errors';
import { autoRechargeKey, type ChargeOutcome } from './auto-recharge.types';
import { findAttempt } from './auto-recharge.queries';
import { rechargeDescription } from './recharge-attempts.service';

export const NO_PAYMENT_METHOD_REASON =
  'No saved payment method: add a default payment method in the billing portal (POST /v1/billing/portal); the next time the balance falls below the threshold, auto-recharge tries again';

/**
 * Step 2 of a recharge: one off-session PaymentIntent, confirmed at once, on the customer's
 * default payment method. Never inside a database transaction. The request is a pure function of
 * the committed attempt (amount, currency, key `auto-recharge:<account>:<n>`), so every retry
 * (SDK, activity, a restarted worker) sends the same one and Stripe charges at most once.
 *
 * Stripe's final word (a decline, authentication required, no payment method) is returned as a
 * failure to record, and not retried: the next crossing may try again. No answer, 5xx and 429 are
 * thrown, and the activity retries the same request.
 */
export async function chargeRecharge(deps: { db: Knex; stripe: Stripe }, input: { accountId: string; n: number }): Promise<ChargeOutcome> {
  const attempt = await findAttempt(deps.db, input.accountId, input.n);
  if (!attempt) throw new Error(`auto-recharge attempt ${input.n} of ${input.accountId} does not exist`);
  if (attempt.status !== 'pending') return { kind: 'already', status: attempt.status };
  const account = await findAccount(deps.db, input.accountId);
  if (!account?.stripe_customer_id) return { kind: 'failed', reason: NO_PAYMENT_METHOD_REASON, paymentIntentId: null };

  try {
    const customer = await deps.stripe.customers.retrieve(account.stripe_customer_id);
    const method = customer.deleted ? null : customer.invoice_settings?.default_payment_method;
    if (!method) return { kind: 'failed', reason: NO_PAYMENT_METHOD_REASON, paymentIntentId: null };
    const intent = await deps.stripe.paymentIntents.create(
      {
        amount: Number(attempt.amount_minor),
        currency: attempt.currency,
        customer: account.stripe_customer_id,
        payment_method: typeof method === 'string' ? method : method.id,
        off_session: true,
        confirm: true,
        description: rechargeDescription(attempt),
        metadata: { account_id: attempt.account_id, auto_recharge: String(attempt.n) },
      },
      { idempotencyKey: autoRechargeKey(attempt.account_id, attempt.n) },
    );
    if (intent.status === 'succeeded') return { kind: 'succeeded', paymentIntentId: intent.id };
    return { kind: 'failed', reason: notSucceededReason(intent.status), paymentIntentId: intent.id };
  } catch (error) {
    const rejection = stripeRejection(error);
    if (!rejection) throw error; // retryable: the activity sends the same request again
    return { kind: 'failed', reason: declineReason(error, rejection.message), paymentIntentId: paymentIntentOf(error) };
  }
}

function notSucceededReason(status: Stripe.PaymentIntent.Status): string {
  if (status === 'requires_action') return 'The bank asked the cardholder to authenticate this payment, which an automatic charge cannot do: buy credits by hand once to confirm the card';
  return `The payment did not go through (status ${status})`;
}

function declineReason(error: unknown, message: string): string {
  if (error instanceof Stripe.errors.StripeCardError) {
    const code = error.decline_code ?? error.code;
    return `The card was declined${code ? ` (${code})` : ''}: ${message}`;
  }
  return `Stripe refused the charge: ${message}`;
}

function paymentIntentOf(error: unknown): string | null {
  const raw = (error as { raw?: { payment_intent?: { id?: unknown } } }).raw;
  return typeof raw?.payment_intent?.id === 'string' ? raw.payment_intent.id : null;
}
