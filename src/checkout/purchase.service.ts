import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../config/config';
import type { Unit } from '../credits/compute/burn-order';
import { publicUrl } from '../config/public-url';
import { findAccount } from '../accounts/accounts.queries';
import { checkReplay } from '../credits/ledger.service';
import { classifyStripeError, createCheckoutSession, createStripeCustomer } from '../integrations/stripe/checkout';
import { microToCredits, minorToMajor } from '../shared/amounts';
import { AppError, ConflictError, NotFoundError, UnavailableError, ValidationError } from '../shared/errors';
import { newId } from '../shared/ids';
import { devCheckoutUrl, usesLocalPaymentPage } from '../dev-checkout/dev-checkout-url';
import {
  findOrderByIdempotencyKey,
  insertPaymentOrder,
  recordCheckoutSession,
  updateOrderFrom,
  type PaymentOrderRow,
} from './payment-orders.queries';

export interface PurchaseDeps {
  db: Knex;
  stripe: Stripe;
  config: Config;
}

export interface NewPurchase {
  accountId: string;
  /** what the order grants; default credits. A token pack's order grants tokens. */
  unit?: Unit;
  /** the quantity to grant, in `unit`: micro-credits, or whole tokens */
  credits: bigint;
  amountMinor: bigint;
  currency: string;
  packageId: string | null;
  /** `req:<key>` when the client sent an Idempotency-Key, else null */
  idempotencyKey: string | null;
  requestHash: string;
  /** a saved payment method to charge off-session (direct purchase); absent = Stripe Checkout */
  paymentMethod?: string | null;
}

/** The 201 body of both purchase endpoints (seed 000 / 004 fields plus the order's terms). */
export function purchaseCreatedBody(order: PaymentOrderRow) {
  return {
    purchase_id: order.id,
    checkout_url: order.checkout_url,
    credits: microToCredits(order.credits),
    amount_due: minorToMajor(order.amount_due_minor),
    currency: order.currency,
    status: 'pending' as const,
    package_id: order.package_id,
    expires_at: order.expires_at?.toISOString() ?? null,
  };
}

function returnUrl(template: string | undefined, fallbackPath: string, config: Config, purchaseId: string): string {
  const url = template ?? publicUrl(config, `${fallbackPath}?purchase_id={PURCHASE_ID}&session_id={CHECKOUT_SESSION_ID}`);
  // {CHECKOUT_SESSION_ID} is filled in by Stripe; {PURCHASE_ID} by us.
  return url.replaceAll('{PURCHASE_ID}', purchaseId);
}

/** What the Checkout page (or the card statement's description) names the purchase. */
export function purchaseProductName(order: PaymentOrderRow): string {
  if (order.unit === 'tokens') return `${BigInt(order.credits).toLocaleString('en-US')} tokens${order.package_id ? ` (${order.package_id} pack)` : ''}`;
  return `${microToCredits(order.credits)} credits${order.package_id ? ` (${order.package_id} package)` : ''}`;
}

/** The account's Stripe customer, created once (idempotency key customer:<account id>) and remembered. */
export async function ensureStripeCustomer(deps: PurchaseDeps, accountId: string): Promise<string> {
  const account = await findAccount(deps.db, accountId);
  if (!account) throw new NotFoundError('Account', accountId);
  if (account.stripe_customer_id) return account.stripe_customer_id;
  const customerId = await createStripeCustomer(deps.stripe, account);
  // Guarded: a concurrent purchase may have stored one first; keep that one.
  await deps.db('accounts').where({ id: accountId }).whereNull('stripe_customer_id').update({ stripe_customer_id: customerId });
  const stored = await findAccount(deps.db, accountId);
  return stored!.stripe_customer_id!;
}

async function findReplay(db: Knex, input: NewPurchase): Promise<PaymentOrderRow | null> {
  if (!input.idempotencyKey) return null;
  const existing = await findOrderByIdempotencyKey(db, input.accountId, input.idempotencyKey);
  if (!existing) return null;
  checkReplay({ requestHash: existing.request_hash, idempotencyKey: existing.idempotency_key! }, input.requestHash);
  if (existing.status === 'failed' && !existing.checkout_url) {
    throw new ConflictError(`This purchase failed (${existing.failure_reason ?? 'no reason recorded'}); send a new Idempotency-Key to try again`, {
      purchase_id: existing.id,
    });
  }
  return existing;
}

/**
 * Creates a payment order and its Stripe Checkout Session. Commit the intent, call Stripe with
 * deterministic idempotency keys, record the result: a retried request (same Idempotency-Key)
 * finds its order and finishes it, and Stripe answers the same session again.
 */
export async function createCheckoutPurchase(deps: PurchaseDeps, input: NewPurchase): Promise<{ order: PaymentOrderRow; replayed: boolean }> {
  const { order, replayed } = await recordPurchaseOrder(deps.db, input);
  if (order.checkout_url) return { order, replayed };
  return openCheckoutSession(deps, order, replayed);
}

/** Step 1 of every purchase: the order, or the one this Idempotency-Key created before (a replay). */
export async function recordPurchaseOrder(db: Knex, input: NewPurchase): Promise<{ order: PaymentOrderRow; replayed: boolean }> {
  let order = await findReplay(db, input);
  const replayed = order !== null;
  if (!order) {
    order = await insertPaymentOrder(db, {
      id: newId('pur'),
      account_id: input.accountId,
      source: 'checkout',
      package_id: input.packageId,
      unit: input.unit ?? 'credits',
      credits: input.credits,
      amount_due_minor: input.amountMinor,
      currency: input.currency,
      idempotency_key: input.idempotencyKey,
      request_hash: input.requestHash,
      payment_reference: null,
      payment_method: input.paymentMethod ?? null,
    });
    // Lost a race with a concurrent request carrying the same key: answer as its replay.
    order ??= await findReplay(db, input);
    if (!order) throw new UnavailableError('The purchase could not be recorded; retry with the same Idempotency-Key');
  }
  return { order, replayed };
}

/** Step 2 of a Checkout purchase: its Stripe Checkout Session, recorded on the order. */
async function openCheckoutSession(deps: PurchaseDeps, order: PaymentOrderRow, replayed: boolean): Promise<{ order: PaymentOrderRow; replayed: boolean }> {
  try {
    const customerId = await ensureStripeCustomer(deps, order.account_id);
    const expiresAt = new Date(Date.now() + deps.config.CHECKOUT_SESSION_TTL_MINUTES * 60_000);
    const session = await createCheckoutSession(deps.stripe, {
      purchaseId: order.id,
      accountId: order.account_id,
      customerId,
      amountMinor: BigInt(order.amount_due_minor),
      currency: order.currency,
      productName: purchaseProductName(order),
      successUrl: returnUrl(deps.config.CHECKOUT_SUCCESS_URL, '/checkout/success', deps.config, order.id),
      cancelUrl: returnUrl(deps.config.CHECKOUT_CANCEL_URL, '/checkout/cancel', deps.config, order.id),
      expiresAt,
    });
    return {
      order: await recordCheckoutSession(deps.db, order.id, {
        stripe_customer_id: customerId,
        stripe_session_id: session.id,
        // stripe-mock's session url leads nowhere: the local payment page stands in for it.
        checkout_url: usesLocalPaymentPage(deps.config) ? devCheckoutUrl(deps.config, { kind: 'purchase', purchaseId: order.id }) : session.url,
        expires_at: expiresAt,
      }),
      replayed,
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    const kind = classifyStripeError(error);
    const message = error instanceof Error ? error.message : String(error);
    if (kind === 'invalid_request') {
      await updateOrderFrom(deps.db, order.id, ['pending'], { status: 'failed', failure_reason: `Stripe refused the Checkout Session: ${message}`, settled_at: new Date() });
      throw new ValidationError(`Stripe refused this purchase: ${message}`, { field: 'amount', purchase_id: order.id });
    }
    // Left pending without a session: the same Idempotency-Key resumes it.
    throw new UnavailableError('Stripe could not be reached; retry with the same Idempotency-Key', { purchase_id: order.id, reason: message });
  }
}
