import { z } from 'zod';
import { findPackage } from '../../catalog/catalog.queries';
import { RECONCILE_WORKFLOW } from '../../checkout/checkout.types';
import { pricePurchase, MAX_PURCHASE_MICRO, MIN_PURCHASE_MICRO } from '../../checkout/compute/price-purchase';
import { createManualOrder, manualOrderBody, markManualOrderPaid } from '../../checkout/manual-orders.service';
import { createdOrReplayed, idempotencyKeyOf } from '../idempotency';
import { creditsToMicro, majorToMinor } from '../../shared/amounts';
import { creditPriceMicroMinor } from '../../shared/credit-price';
import { ValidationError } from '../../shared/errors';
import { requestHash } from '../../shared/request-hash';
import { defineRoute } from '../route';
import { moneyNumber } from '../schemas/amounts';
import { idParam, shortText } from '../schemas/common';
import { requireTemporalReachable } from '../../system/dependency-outage';

const currency = z.string().regex(/^[a-z]{3}$/, 'must be a lower-case ISO 4217 code');

function toMicro(credits: number): bigint {
  try {
    return creditsToMicro(credits);
  } catch {
    throw new ValidationError('credits has more than 6 decimals', { field: 'credits' });
  }
}

function toMinor(amount: number): bigint {
  try {
    return majorToMinor(amount);
  } catch {
    throw new ValidationError('amount has more than 2 decimals', { field: 'amount' });
  }
}

const manualOrder = z.object({
  purchase_id: z.string(),
  account_id: z.string(),
  source: z.literal('manual'),
  status: z.string(),
  credits: z.number(),
  amount_due: z.number(),
  currency: z.string(),
  package_id: z.string().nullable(),
  reference: z.string().nullable(),
});

export const paymentOrderAdminRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/admin/payment-orders',
    summary: 'Create a manual payment order (settled outside Stripe, e.g. by bank transfer); credits follow mark-paid',
    tag: 'Purchases',
    access: 'admin',
    idempotencyKey: true,
    errors: [409],
    body: z
      .strictObject({
        account_id: idParam('acct'),
        credits: z.number().positive().max(10_000_000).optional().meta({ description: 'credits to grant (or package_id)' }),
        package_id: z.string().min(1).max(64).optional(),
        amount: moneyNumber().optional().meta({ description: 'agreed price in major units; default: credits × unit price, or the package price' }),
        currency: currency.optional(),
        reference: shortText(255).optional().meta({ description: 'e.g. the purchase order or contract number' }),
        idempotency_key: z.string().min(1).max(255).optional(),
      })
      .superRefine((body, ctx) => {
        if ((body.credits === undefined) === (body.package_id === undefined)) {
          ctx.addIssue({ code: 'custom', path: ['credits'], message: 'give exactly one of credits or package_id' });
        }
      }),
    response: { status: 201, description: 'the pending manual payment order', schema: manualOrder },
    handler: async ({ body, deps, req }) => {
      const pkg = body.package_id ? await findPackage(deps.db, body.package_id) : null;
      if (body.package_id && !pkg) throw new ValidationError(`Unknown package '${body.package_id}'`, { field: 'package_id' });
      const credits = pkg ? BigInt(pkg.credits) : toMicro(body.credits!);
      if (credits < MIN_PURCHASE_MICRO || credits > MAX_PURCHASE_MICRO) {
        throw new ValidationError('credits must be between 10 and 10,000,000', { field: 'credits' });
      }
      const orderCurrency = body.currency ?? pkg?.currency ?? deps.config.CREDIT_CURRENCY;
      let amountMinor: bigint;
      if (body.amount !== undefined) amountMinor = toMinor(body.amount);
      else if (pkg) amountMinor = BigInt(pkg.price_minor);
      else {
        const price = pricePurchase(credits, creditPriceMicroMinor(deps.config));
        if (price.kind !== 'ok') throw new ValidationError('credits do not price to whole cents at the unit price; give amount', { field: 'amount' });
        amountMinor = price.amountMinor;
      }
      if (body.amount === undefined && orderCurrency !== (pkg?.currency ?? deps.config.CREDIT_CURRENCY)) {
        throw new ValidationError('a currency other than the price’s needs an amount', { field: 'amount' });
      }
      const idempotency = idempotencyKeyOf(req, body.idempotency_key);
      const { order, replayed } = await createManualOrder(deps.db, {
        accountId: body.account_id,
        credits,
        amountMinor,
        currency: orderCurrency,
        packageId: pkg?.id ?? null,
        reference: body.reference ?? null,
        idempotencyKey: idempotency.given ? idempotency.key : null,
        requestHash: requestHash('POST /v1/admin/payment-orders', body),
      });
      return createdOrReplayed({ replayed, body: manualOrderBody(order) });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/payment-orders/:id/mark-paid',
    summary: 'Mark a manual payment order paid: starts checkoutToCredit with a manual payment event',
    tag: 'Purchases',
    access: 'admin',
    errors: [409],
    params: z.object({ id: idParam('pur') }),
    body: z.strictObject({
      reference: shortText(255).meta({ description: 'payment reference: bank transfer id, receipt number, …' }),
      amount: moneyNumber().optional().meta({ description: 'amount received, major units (default: the amount due); a different amount sends the order to review' }),
      currency: currency.optional(),
    }),
    response: {
      status: 202,
      description: 'the settling workflow was started; GET /v1/billing/credits/purchases/:id shows the result',
      schema: z.object({ purchase_id: z.string(), workflow_id: z.string(), status: z.string() }),
    },
    handler: async ({ params, body, deps }) => {
      const result = await markManualOrderPaid({ db: deps.db, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE }, params.id, {
        reference: body.reference,
        amountMinor: body.amount === undefined ? null : toMinor(body.amount),
        currency: body.currency ?? null,
      });
      return { status: 202, body: result };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/payment-orders/reconciliations',
    summary: 'Run reconcileCheckouts now (it also runs on a schedule): drain the webhook inbox, settle paid sessions with missed webhooks',
    tag: 'Purchases',
    access: 'admin',
    body: z.strictObject({ lookback_hours: z.number().int().min(1).max(720).optional() }).default({}),
    response: { status: 202, description: 'started (or joined, within the same minute)', schema: z.object({ workflow_id: z.string(), status: z.string() }) },
    handler: async ({ body, deps }) => {
      await requireTemporalReachable(deps.temporal); // an outage answers 503 now, not after 20 s of retries
      const workflowId = `reconcile:manual-${new Date().toISOString().slice(0, 16)}`;
      await deps.temporal.workflow.start(RECONCILE_WORKFLOW, {
        workflowId,
        taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
        args: [{ lookbackHours: body.lookback_hours }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return { status: 202, body: { workflow_id: workflowId, status: 'RUNNING' } };
    },
  }),
];
