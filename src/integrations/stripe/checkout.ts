import Stripe from 'stripe';

/**
 * The Stripe calls of checkout to credit. Every call that creates something carries a
 * deterministic idempotency key derived from our own ids, so a retry creates nothing twice.
 */

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) throw new RangeError(`${what} out of range: ${value}`);
  return Number(value);
}

export async function createStripeCustomer(
  stripe: Stripe,
  account: { id: string; name: string; email: string | null },
): Promise<string> {
  const customer = await stripe.customers.create(
    { name: account.name, ...(account.email ? { email: account.email } : {}), metadata: { account_id: account.id } },
    { idempotencyKey: `customer:${account.id}` },
  );
  return customer.id;
}

export interface CheckoutSessionRequest {
  purchaseId: string;
  accountId: string;
  customerId: string;
  amountMinor: bigint;
  currency: string;
  productName: string;
  successUrl: string;
  cancelUrl: string;
  expiresAt: Date;
}

export async function createCheckoutSession(stripe: Stripe, request: CheckoutSessionRequest): Promise<{ id: string; url: string }> {
  const metadata = { purchase_id: request.purchaseId, account_id: request.accountId };
  const session = await stripe.checkout.sessions.create(
    {
      mode: 'payment',
      customer: request.customerId,
      client_reference_id: request.purchaseId,
      metadata,
      // Copied onto the payment intent so a refund made in the Stripe dashboard still names the purchase.
      payment_intent_data: { metadata },
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: request.currency,
            unit_amount: safeNumber(request.amountMinor, 'amount'),
            product_data: { name: request.productName },
          },
        },
      ],
      success_url: request.successUrl,
      cancel_url: request.cancelUrl,
      expires_at: Math.floor(request.expiresAt.getTime() / 1000),
    },
    { idempotencyKey: `checkout-session:${request.purchaseId}` },
  );
  if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a url`);
  return { id: session.id, url: session.url };
}

export async function createStripeRefund(
  stripe: Stripe,
  request: { refundId: string; purchaseId: string; accountId: string; paymentIntent: string; amountMinor: bigint },
): Promise<{ id: string; status: string | null }> {
  const refund = await stripe.refunds.create(
    {
      payment_intent: request.paymentIntent,
      amount: safeNumber(request.amountMinor, 'refund amount'),
      reason: 'requested_by_customer',
      metadata: { refund_id: request.refundId, purchase_id: request.purchaseId, account_id: request.accountId },
    },
    { idempotencyKey: `refund:${request.purchaseId}:${request.refundId}` },
  );
  return { id: refund.id, status: refund.status };
}

/** What reconciliation needs of a completed Checkout Session. */
export interface ListedSession {
  id: string;
  client_reference_id: string | null;
  metadata: Record<string, string> | null;
  amount_total: number | null;
  currency: string | null;
  payment_status: string;
  payment_intent: string | null;
  status: string | null;
}

/** Lists completed Checkout Sessions created since `since`; injectable so tests can pass a fixed list. */
export type CompletedSessionLister = (since: Date) => Promise<ListedSession[]>;

export const MAX_LISTED_SESSIONS = 5000;

export function stripeSessionLister(stripe: Stripe): CompletedSessionLister {
  return async (since) => {
    const out: ListedSession[] = [];
    const pages = stripe.checkout.sessions.list({ status: 'complete', created: { gte: Math.floor(since.getTime() / 1000) }, limit: 100 });
    for await (const session of pages) {
      out.push({
        id: session.id,
        client_reference_id: session.client_reference_id,
        metadata: session.metadata,
        amount_total: session.amount_total,
        currency: session.currency,
        payment_status: session.payment_status,
        payment_intent: typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null),
        status: session.status,
      });
      if (out.length >= MAX_LISTED_SESSIONS) break;
    }
    return out;
  };
}

/** The refunds of a charge, when a charge.refunded event does not include them (newer API versions). */
export async function listChargeRefunds(stripe: Stripe, chargeId: string): Promise<Stripe.Refund[]> {
  const out: Stripe.Refund[] = [];
  for await (const refund of stripe.refunds.list({ charge: chargeId, limit: 100 })) out.push(refund);
  return out;
}

/** invalid_request: Stripe refused the parameters (retrying will not help); unavailable: try again later. */
export function classifyStripeError(error: unknown): 'invalid_request' | 'unavailable' | 'not_stripe' {
  if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError) return 'invalid_request';
  if (error instanceof Stripe.errors.StripeError) return 'unavailable';
  return 'not_stripe';
}
