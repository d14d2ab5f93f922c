import { z } from 'zod';
import type { Request } from 'express';
import { findPackage } from '../../catalog/catalog.queries';
import { createCheckoutPurchase, purchaseCreatedBody } from '../../checkout/purchase.service';
import { createDirectPurchase, directPurchaseBody } from '../../checkout/direct-purchase.service';
import { purchaseView } from '../../checkout/purchase-view';
import { findPaymentOrder } from '../../checkout/payment-orders.queries';
import { pricePurchase, wholePriceStepMicro } from '../../checkout/compute/price-purchase';
import { createdOrReplayed, idempotencyKeyOf } from '../idempotency';
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

/** POST /v1/billing/credits/purchase with a saved payment method: 201 once credited, 202 while Stripe needs the customer. */
const directPurchase = z.object({
  purchase_id: z.string(),
  status: z.enum(['pending', 'fulfilled', 'review', 'failed', 'expired', 'refunded']),
  credits: z.number(),
  credits_added: z.number().meta({ description: 'credits granted by this charge (0 until credited)' }),
  amount_charged: z.number().nullable().meta({ description: 'major units of currency; null until Stripe reports the charge' }),
  currency: z.string(),
  new_balance: z.number().nullable().meta({ description: 'credits balance right after this purchase was credited; null with 202' }),
  payment_intent: z.string().nullable().meta({ description: 'the off-session PaymentIntent' }),
  client_secret: z.string().nullable().meta({
    description: 'with 202 when the bank asks the customer to authenticate (3-D Secure): confirm the PaymentIntent with Stripe.js; its payment_intent.succeeded webhook credits the purchase',
  }),
});

const purchaseDetails = z.object({
  purchase_id: z.string(),
  status: z.enum(['pending', 'fulfilled', 'review', 'failed', 'expired', 'refunded']),
  source: z.enum(['checkout', 'manual']),
  unit: z.enum(['credits', 'tokens']).meta({ description: 'what the purchase grants: credits, or tokens (a token pack from POST /v1/tokens/checkout)' }),
  credits: z.number(),
  credits_added: z.number(),
  amount_due: z.number(),
  amount_charged: z.number().nullable(),
  currency: z.string(),
  new_balance: z.number().nullable().meta({ description: 'balance of the purchased unit (credits or tokens) right after this purchase was credited' }),
  invoice_id: z.string().nullable(),
  package_id: z.string().nullable(),
  checkout_url: z.string().nullable(),
  expires_at: z.string().nullable(),
  review_reason: z.string().nullable(),
  failure_reason: z.string().nullable(),
  amount_refunded: z.number(),
  credits_clawed_back: z.number(),
  tokens: z.number().optional().meta({ description: 'token purchases only: tokens bought (their credit figures are 0)' }),
  tokens_added: z.number().optional().meta({ description: 'token purchases only: tokens granted' }),
  tokens_clawed_back: z.number().optional().meta({ description: 'token purchases only: tokens taken back by refunds' }),
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

/** A direct purchase: 201 once credited, 202 (same body) while the payment waits for the customer. */
async function directPurchaseAnswer(deps: AppDeps, req: Request, accountId: string, body: Record<string, unknown>, terms: { credits: bigint; amountMinor: bigint; paymentMethod: string }) {
  const idempotency = idempotencyKeyOf(req, body.idempotency_key as string | undefined);
  const result = await createDirectPurchase(deps, {
    accountId,
    ...terms,
    currency: deps.config.CREDIT_CURRENCY,
    packageId: null,
    idempotencyKey: idempotency.given ? idempotency.key : null,
    requestHash: requestHash('POST /v1/billing/credits/purchase', body),
  });
  const answer = createdOrReplayed({ replayed: result.replayed, body: directPurchaseBody(result) });
  return result.kind === 'credited' ? answer : { ...answer, status: 202 };
}

export const purchaseRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/billing/credits/purchase',
    summary: 'Buy credits by amount: a payment order and a Stripe Checkout Session, or an off-session charge of a saved payment method',
    tag: 'Purchases',
    access: 'account',
    idempotencyKey: true,
    body: z.strictObject({
      amount: z.number().positive().meta({ description: 'credits to buy (minimum 10); must price to whole cents at the credit unit price' }),
      payment_method: z
        .string()
        .min(1)
        .max(255)
        .optional()
        .meta({ description: 'a saved payment method (pm_…) of the account’s Stripe customer: charged off-session now instead of opening a Checkout page' }),
      idempotency_key: idempotencyKeyField,
    }),
    errors: [402, 409, 503],
    response: {
      status: 201,
      alsoStatuses: [202],
      description:
        'without payment_method: the pending purchase and its Checkout URL. With payment_method: 201 {credits_added, amount_charged, new_balance} once the charge is credited, or 202 with the pending purchase when Stripe needs the customer (3-D Secure); 402 payment_failed when the card is declined',
      schema: z.union([purchaseCreated, directPurchase]),
    },
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
          if (body.payment_method) return directPurchaseAnswer(deps, req, accountId, body, { credits, amountMinor: price.amountMinor, paymentMethod: body.payment_method });
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
