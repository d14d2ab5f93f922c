import Stripe from 'stripe';

/**
 * Whether a Stripe failure may succeed if the same request is sent again (same idempotency key):
 * no answer at all (connection, timeout), 5xx, 429 (rate limit, lock timeout) and 409 (the same
 * key is still in flight) are retried. Any other 4xx is Stripe's final word on that request:
 * insufficient platform balance, a destination without the transfers capability, an invalid or
 * unknown account, bad parameters, a bad key.
 */
export interface StripeRejection {
  code: string;
  message: string;
  type: string;
  statusCode: number | null;
  requestId: string | null;
}

export function stripeRejection(error: unknown): StripeRejection | null {
  if (!(error instanceof Stripe.errors.StripeError)) return null;
  const status = error.statusCode ?? null;
  if (status === null || status >= 500 || status === 429 || status === 409) return null;
  if (error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeAPIError) return null;
  return {
    code: error.code ?? error.type,
    message: error.message,
    type: error.type,
    statusCode: status,
    requestId: error.requestId ?? null,
  };
}
