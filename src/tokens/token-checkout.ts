import type { AppDeps } from '../app-deps';
import { createCheckoutPurchase } from '../checkout/purchase.service';
import type { PaymentOrderRow } from '../checkout/payment-orders.queries';
import { minorToMajor } from '../shared/amounts';
import { ValidationError } from '../shared/errors';
import { requestHash } from '../shared/request-hash';
import { findTokenPack } from './token-packs';

/** The 201 body of POST /v1/tokens/checkout: the credit purchase's answer, counted in tokens. */
function tokenPurchaseCreatedBody(order: PaymentOrderRow) {
  return {
    purchase_id: order.id,
    checkout_url: order.checkout_url,
    unit: 'tokens' as const,
    tokens: Number(order.credits),
    amount_due: minorToMajor(order.amount_due_minor),
    currency: order.currency,
    status: 'pending' as const,
    pack_id: order.package_id,
    expires_at: order.expires_at?.toISOString() ?? null,
  };
}

/**
 * Buys a token pack exactly as a credit package is bought: a payment order (unit tokens) and a
 * Stripe Checkout Session; the signed payment webhook runs checkoutToCredit, which grants the
 * tokens once (ledger key token-purchase:<id>), invoices the order and lets refunds claw back.
 */
export async function checkoutTokenPack(
  deps: AppDeps,
  accountId: string,
  body: { pack_id: string; idempotency_key?: string | undefined },
  idempotencyKey: string | null,
): Promise<{ replayed: boolean; body: ReturnType<typeof tokenPurchaseCreatedBody> }> {
  const pack = await findTokenPack(deps.db, body.pack_id);
  if (!pack) throw new ValidationError(`Unknown token pack '${body.pack_id}'; see GET /v1/tokens/plans`, { field: 'pack_id' });
  const { order, replayed } = await createCheckoutPurchase(deps, {
    accountId,
    unit: 'tokens',
    credits: BigInt(pack.tokens),
    amountMinor: BigInt(pack.price_minor),
    currency: pack.currency,
    packageId: pack.id,
    idempotencyKey,
    requestHash: requestHash('POST /v1/tokens/checkout', body),
  });
  return { replayed, body: tokenPurchaseCreatedBody(order) };
}
