import { z } from 'zod';
import type { Request } from 'express';
import { findPackage } from '../../catalog/catalog.queries';
import { createCheckoutPurchase, purchaseCreatedBody } from '../../checkout/purchase.service';
import { purchaseView } from '../../checkout/purchase-view';
import { findPaymentOrder } from '../../checkout/payment-orders.queries';
import { pricePurchase, wholePriceStepMicro } from '../../checkout/compute/price-purchase';
import { createdOrReplayed, idempotencyKeyOf } from '../../credits/idempotency';
import { creditsToMicro, microToCredits } from '../../shared/amounts';
import { creditPriceMicroMinor } from '../../shared/credit-price';
import { AppError, NotFoundError, ValidationError } from '../../shared/errors';
import { requestHash } from '../../shared/request-hash';
import type { AppDeps } from '../../app-deps';
import type { Principal } from '../auth';
import { defineRoute } from '../route';
import { idParam } from '../schemas/common';

const idempotencyKeyField = z.string().min(1).max(255).optional().meta({ description: 'alternative to the Idempotency-Key header' });

const purchaseCreated = z.object({
  purchase_id: z.string(),
  checkout_url: z.string().nullable().meta({ description: 'the hosted Stripe Checkout page; credits are added after its signed payment webhook' }),
  credits: z.number(),
  amount_due: z.number().meta({ description: 'major units of currency' }),
  currency: z.string(),
  status: z.literal('pending'),
  package_id: z.string().nullable(),
  expires_at: z.string().nullable(),
});

const purchaseDetails = z.object({
  purchase_id: z.string(),
  status: z.enum(['pending', 'fulfilled', 'review', 'failed', 'expired', 'refunded']),
  source: z.enum(['checkout', 'manual']),
  credits: z.number(),
  credits_added: z.number(),
  amount_due: z.number(),
  amount_charged: z.number().nullable(),
  currency: z.string(),
  new_balance: z.number().nullable().meta({ description: 'credits balance right after this purchase was credited' }),
  invoice_id: z.string().nullable(),
  package_id: z.string().nullable(),
  checkout_url: z.string().nullable(),
  expires_at: z.string().nullable(),
  review_reason: z.string().nullable(),
  failure_reason: z.string().nullable(),
  amount_refunded: z.number(),
  credits_clawed_back: z.number(),
  created_at: z.string(),
  settled_at: z.string().nullable(),
  workflow: z.object({
    id: z.string(),
    status: z.string().meta({ description: 'NOT_STARTED until the first payment event; then Temporal’s status' }),
    state: z.unknown().optional(),
  }),
});

function accountOf(principal: Principal): string {
  if (principal.role !== 'account') throw new AppError(403, 'forbidden', 'Purchases are made with an account key');
  return principal.accountId;
}

async function checkout(deps: AppDeps, req: Request, accountId: string, endpoint: string, body: Record<string, unknown>, terms: { credits: bigint; amountMinor: bigint; currency: string; packageId: string | null }) {
  const idempotency = idempotencyKeyOf(req, body.idempotency_key as string | undefined);
  const { order, replayed } = await createCheckoutPurchase(deps, {
    accountId,
    ...terms,
    idempotencyKey: idempotency.given ? idempotency.key : null,
    requestHash: requestHash(endpoint, body),
  });
  return createdOrReplayed({ replayed, body: purchaseCreatedBody(order) });
}

export const purchaseRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/billing/credits/purchase',
    summary: 'Buy credits by amount: a payment order and a Stripe Checkout Session',
    tag: 'Purchases',
    access: 'account',
    idempotencyKey: true,
    errors: [409, 503],
    body: z.strictObject({
      amount: z.number().positive().meta({ description: 'credits to buy (minimum 10); must price to whole cents at the credit unit price' }),
      payment_method: z.string().max(255).optional().meta({ description: 'accepted for compatibility and ignored: the customer pays on the Checkout page' }),
      idempotency_key: idempotencyKeyField,
    }),
    response: { status: 201, description: 'the pending purchase and its Checkout URL', schema: purchaseCreated },
    handler: async ({ body, deps, req, principal }) => {
      const accountId = accountOf(principal);
      let credits: bigint;
      try {
        credits = creditsToMicro(body.amount);
      } catch {
        throw new ValidationError('amount has more than 6 decimals', { field: 'amount' });
      }
      const unitPrice = creditPriceMicroMinor(deps.config);
      const price = pricePurchase(credits, unitPrice);
      switch (price.kind) {
        case 'ok':
          return checkout(deps, req, accountId, 'POST /v1/billing/credits/purchase', body, {
            credits,
            amountMinor: price.amountMinor,
            currency: deps.config.CREDIT_CURRENCY,
            packageId: null,
          });
        case 'below_minimum':
          throw new ValidationError('The minimum purchase is 10 credits', { field: 'amount', minimum: 10 });
        case 'above_maximum':
          throw new ValidationError('The maximum purchase is 10,000,000 credits; contact us for a manual payment order', { field: 'amount', maximum: 10_000_000 });
        case 'not_whole_minor_units':
          throw new ValidationError(`amount must price to whole cents: buy a multiple of ${microToCredits(wholePriceStepMicro(unitPrice))} credits`, {
            field: 'amount',
            multiple_of: microToCredits(wholePriceStepMicro(unitPrice)),
          });
        case 'free':
          throw new ValidationError('Credits are not sold at a price of zero', { field: 'amount' });
      }
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/credits/purchase',
    summary: 'Buy a credit package: a payment order and a Stripe Checkout Session',
    tag: 'Purchases',
    access: 'account',
    idempotencyKey: true,
    errors: [409, 503],
    body: z.strictObject({
      package_id: z.string().min(1).max(64).meta({ description: 'a package from GET /v1/credits/packages' }),
      idempotency_key: idempotencyKeyField,
    }),
    response: { status: 201, description: 'the pending purchase and its Checkout URL', schema: purchaseCreated },
    handler: async ({ body, deps, req, principal }) => {
      const accountId = accountOf(principal);
      const pkg = await findPackage(deps.db, body.package_id);
      if (!pkg) throw new ValidationError(`Unknown package '${body.package_id}'; see GET /v1/credits/packages`, { field: 'package_id' });
      return checkout(deps, req, accountId, 'POST /v1/credits/purchase', body, {
        credits: BigInt(pkg.credits),
        amountMinor: BigInt(pkg.price_minor),
        currency: pkg.currency,
        packageId: pkg.id,
      });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/billing/credits/purchases/:id',
    summary: 'A purchase: its status, the credits it added and its workflow’s live state',
    tag: 'Purchases',
    access: ['account', 'admin'],
    params: z.object({ id: idParam('pur') }),
    response: { status: 200, description: 'the purchase', schema: purchaseDetails },
    handler: async ({ params, deps, principal }) => {
      const order = await findPaymentOrder(deps.db, params.id);
      if (!order || (principal.role === 'account' && order.account_id !== principal.accountId)) throw new NotFoundError('Purchase', params.id);
      return { status: 200, body: await purchaseView(deps, order) };
    },
  }),
];
