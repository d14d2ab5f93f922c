import { z } from 'zod';
import { findPaymentOrder } from '../../checkout/payment-orders.queries';
import { refundBody, requestAdminRefund } from '../../checkout/refund.service';
import { listRefundsOfPurchase } from '../../checkout/refunds.queries';
import { idempotencyKeyOf, REPLAYED_HEADERS } from '../idempotency';
import { majorToMinor } from '../../shared/amounts';
import { NotFoundError, ValidationError } from '../../shared/errors';
import { requestHash } from '../../shared/request-hash';
import { defineRoute } from '../route';
import { moneyNumber } from '../schemas/amounts';
import { idParam } from '../schemas/common';

const refundView = z.object({
  refund_id: z.string(),
  purchase_id: z.string(),
  status: z.enum(['requested', 'submitted', 'succeeded', 'applied', 'failed']),
  amount: z.number(),
  currency: z.string(),
  stripe_refund_id: z.string().nullable(),
  credits_clawed_back: z.number(),
  credits_unrecoverable: z.number().meta({ description: 'credits the refund paid back that were already spent (never a negative balance)' }),
  unit: z.literal('tokens').optional().meta({ description: 'present for a token purchase: its figures are in tokens_*, and the credit figures are 0' }),
  tokens_clawed_back: z.number().optional().meta({ description: 'token purchases: whole tokens taken back' }),
  tokens_unrecoverable: z.number().optional().meta({ description: 'token purchases: tokens the refund paid back that were already spent' }),
  failure_reason: z.string().nullable(),
});

export const refundAdminRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/admin/purchases/:id/refund',
    summary: 'Refund a purchase through Stripe; the clawback of unspent credits follows the signed charge.refunded webhook',
    tag: 'Purchases',
    access: 'admin',
    idempotencyKey: true,
    errors: [409, 503],
    params: z.object({ id: idParam('pur') }),
    body: z
      .strictObject({
        amount: moneyNumber().optional().meta({ description: 'major units; default: everything still refundable' }),
        idempotency_key: z.string().min(1).max(255).optional(),
      })
      .default({}),
    response: { status: 202, description: 'the refund, submitted to Stripe', schema: refundView },
    handler: async ({ params, body, deps, req }) => {
      let amountMinor: bigint | null = null;
      if (body.amount !== undefined) {
        try {
          amountMinor = majorToMinor(body.amount);
        } catch {
          throw new ValidationError('amount has more than 2 decimals', { field: 'amount' });
        }
      }
      const idempotency = idempotencyKeyOf(req, body.idempotency_key);
      const { refund, replayed } = await requestAdminRefund(deps, {
        purchaseId: params.id,
        amountMinor,
        idempotencyKey: idempotency.given ? idempotency.key : null,
        requestHash: requestHash(`POST /v1/admin/purchases/${params.id}/refund`, body),
      });
      const order = await findPaymentOrder(deps.db, params.id);
      return { status: 202, body: refundBody(refund, order?.unit), ...(replayed ? { headers: REPLAYED_HEADERS } : {}) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/purchases/:id/refunds',
    summary: 'The refunds of a purchase and what each clawed back',
    tag: 'Purchases',
    access: 'admin',
    params: z.object({ id: idParam('pur') }),
    response: { status: 200, description: 'refunds, oldest first', schema: z.object({ data: z.array(refundView) }) },
    handler: async ({ params, deps }) => {
      const order = await findPaymentOrder(deps.db, params.id);
      if (!order) throw new NotFoundError('Purchase', params.id);
      return { status: 200, body: { data: (await listRefundsOfPurchase(deps.db, params.id)).map((refund) => refundBody(refund, order.unit)) } };
    },
  }),
];
