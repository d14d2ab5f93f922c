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

  let method: string | null;
  try {
    const customer = await deps.stripe.customers.retrieve(account.stripe_customer_id);
    const saved = customer.deleted ? null : customer.invoice_settings?.default_payment_method;
    method = saved ? (typeof saved === 'string' ? saved : saved.id) : null;
  } catch (error) {
    const rejection = stripeRejection(error);
    if (!rejection) throw error; // retryable: the activity sends the same request again
    return { kind: 'failed', reason: declineReason(error, rejection.message), paymentIntentId: paymentIntentOf(error) };
  }
  if (!method) return { kind: 'failed', reason: NO_PAYMENT_METHOD_REASON, paymentIntentId: null };
  const charged = await chargeSavedPaymentMethod(
    deps.stripe,
    {
      amountMinor: BigInt(attempt.amount_minor),
      currency: attempt.currency,
      customer: account.stripe_customer_id,
      paymentMethod: method,
      description: rechargeDescription(attempt),
      metadata: { account_id: attempt.account_id, auto_recharge: String(attempt.n) },
    },
    autoRechargeKey(attempt.account_id, attempt.n),
  );
  if (charged.kind === 'succeeded') return { kind: 'succeeded', paymentIntentId: charged.paymentIntentId };
  return { kind: 'failed', reason: charged.reason, paymentIntentId: charged.paymentIntentId };
}

/** What one off-session charge of a saved payment method came to. */
export type SavedMethodCharge =
  | { kind: 'succeeded'; paymentIntentId: string; amountMinor: number; currency: string }
  | { kind: 'requires_action'; reason: string; paymentIntentId: string; clientSecret: string | null }
  | { kind: 'failed'; reason: string; paymentIntentId: string | null };

/**
 * One off-session PaymentIntent on a saved payment method, confirmed at once (auto-recharge and
 * direct purchases, src/checkout/direct-purchase.service.ts). The caller's idempotency key makes
 * every retry the same request. Stripe's final word (a decline, authentication required) is an
 * outcome; no answer, 5xx and 429 are thrown for the caller to retry.
 */
export async function chargeSavedPaymentMethod(
  stripe: Stripe,
  charge: { amountMinor: bigint; currency: string; customer: string; paymentMethod: string; description: string; metadata: Record<string, string> },
  idempotencyKey: string,
): Promise<SavedMethodCharge> {
  try {
    const intent = await stripe.paymentIntents.create(
      {
        amount: Number(charge.amountMinor),
        currency: charge.currency,
        customer: charge.customer,
        payment_method: charge.paymentMethod,
        off_session: true,
        confirm: true,
        description: charge.description,
        metadata: charge.metadata,
      },
      { idempotencyKey },
    );
    if (intent.status === 'succeeded') return { kind: 'succeeded', paymentIntentId: intent.id, amountMinor: intent.amount, currency: intent.currency };
    if (intent.status === 'requires_action') return { kind: 'requires_action', reason: notSucceededReason(intent.status), paymentIntentId: intent.id, clientSecret: intent.client_secret };
    return { kind: 'failed', reason: notSucceededReason(intent.status), paymentIntentId: intent.id };
  } catch (error) {
    const rejection = stripeRejection(error);
    if (!rejection) throw error; // retryable: the caller sends the same request again
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
