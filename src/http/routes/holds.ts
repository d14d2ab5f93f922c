import { z } from 'zod';
import { createdOrReplayed, idempotencyOf } from '../idempotency';
import { MAX_ITEMS } from '../../pricing/compute/bounds';
import { captureHold } from '../../holds/capture-hold';
import { creditPricing } from '../../payouts/payout-config';
import { holdDetail, holdsPage } from '../../holds/holds.service';
import { placeHold } from '../../holds/place-hold';
import { releaseHold } from '../../holds/release-hold';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';
import { chargeAmount } from '../schemas/amounts';
import { idParam, listMeta, listQuery, shortText } from '../schemas/common';
import { usageItem } from './credits';

/**
 * Holds (issue 18): reserve credits before a long-running call, capture the actual usage after
 * it (recorded exactly as POST /v1/usage records it) or release the hold untouched.
 */
export const MAX_HOLD_TTL_SECONDS = 86_400;
export const DEFAULT_HOLD_TTL_SECONDS = 600;

const idempotencyKeyField = z.string().min(1).max(255).optional();
const markupField = z.literal('agent').optional().meta({ description: '"agent": an agent run, priced with the 20% markup' });
const usageItems = z.array(usageItem).min(1).max(MAX_ITEMS);

const placeBody = z
  .strictObject({
    credits: chargeAmount().optional().meta({ description: 'credits to reserve; or send items' }),
    items: usageItems.optional().meta({ description: 'the expected usage, priced exactly as POST /v1/usage prices it; or send credits' }),
    markup: markupField,
    ttl_seconds: z.number().int('must be a whole number').min(1).max(MAX_HOLD_TTL_SECONDS).default(DEFAULT_HOLD_TTL_SECONDS)
      .meta({ description: 'after this many seconds the hold reserves nothing (default 600, at most 86,400)' }),
    agent: shortText().optional(),
    task_id: shortText().optional(),
    idempotency_key: idempotencyKeyField,
  })
  .superRefine((body, ctx) => {
    if ((body.credits === undefined) === (body.items === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['credits'], message: 'send either credits or items, not both and not neither' });
    }
    if (body.markup !== undefined && body.items === undefined) {
      ctx.addIssue({ code: 'custom', path: ['markup'], message: 'markup prices items; it needs items' });
    }
  });

const captureBody = z.strictObject({
  items: usageItems.meta({ description: 'the actual usage' }),
  markup: markupField,
  timestamp: z.iso.datetime({ offset: true }).optional().meta({ description: 'event time inside the open period; default now' }),
  idempotency_key: idempotencyKeyField,
});

const holdParams = z.object({ id: idParam('hold') });
const purchaseUrlOf = (publicUrl: string | undefined) => `${publicUrl ?? ''}/v1/billing/credits/purchase`;

const holdSchema = z.object({
  id: z.string(),
  status: z.enum(['active', 'captured', 'released', 'expired']),
  credits_held: z.number(),
  agent: z.string().nullable(),
  task_id: z.string().nullable(),
  expires_at: z.string(),
  created_at: z.string(),
  settled_at: z.string().nullable().meta({ description: 'when it was captured or released, or the expiry it was marked expired for' }),
  captured_credits: z.number().nullable().meta({ description: 'what the capture charged' }),
  uncaptured_credits: z.number().nullable().meta({ description: 'actual usage a plan without overage could not cover: not charged' }),
  capture_transaction_id: z.string().nullable().meta({ description: 'the ledger entry of the capture' }),
});

export const holdRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/holds',
    summary: 'Reserve credits before a long-running call (402 when what is available cannot cover it on a plan without overage)',
    tag: 'Holds',
    access: 'account',
    idempotencyKey: true,
    body: placeBody,
    errors: [402, 409],
    response: {
      status: 201,
      description: 'the hold',
      schema: z.object({
        id: z.string(),
        credits_held: z.number(),
        available_after: z.number().meta({ description: 'credits still available to other usage once this hold is placed' }),
        expires_at: z.string(),
      }),
    },
    handler: async ({ body, req, principal, deps }) => {
      const idempotency = idempotencyOf(req, body.idempotency_key);
      const result = await placeHold(deps.db, {
        accountId: accountIdOf(principal),
        amount: body.credits !== undefined ? { credits: body.credits } : { items: body.items!, markup: body.markup ?? null },
        ttlSeconds: body.ttl_seconds,
        agent: body.agent ?? null,
        taskId: body.task_id ?? null,
        idempotencyKey: idempotency.key,
        requestHash: idempotency.requestHash,
        purchaseUrl: purchaseUrlOf(deps.config.PUBLIC_URL),
      });
      return createdOrReplayed(result);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/holds/:id/capture',
    summary: 'Record the actual usage of a held call, as POST /v1/usage would, and end the hold',
    tag: 'Holds',
    access: 'account',
    idempotencyKey: true,
    params: holdParams,
    body: captureBody,
    errors: [402, 409],
    response: {
      status: 201,
      description: 'the usage event, priced line by line, and what could not be charged',
      schema: z.object({
        id: z.string(),
        credits_used: z.number().meta({ description: 'what was charged' }),
        balance_after: z.number(),
        breakdown: z.array(z.record(z.string(), z.unknown())).meta({ description: 'one line per item, then markup, rounding and uncaptured lines' }),
        markup_credits: z.number(),
        overage_credits: z.number(),
        agent: z.string().nullable(),
        task_id: z.string().nullable(),
        timestamp: z.string(),
        transaction_id: z.string(),
        hold_id: z.string(),
        uncaptured_credits: z.number().meta({ description: 'usage beyond the hold that a plan without overage could not cover from the balance: not charged' }),
      }),
    },
    handler: async ({ params, body, req, principal, deps }) => {
      const idempotency = idempotencyOf(req, body.idempotency_key);
      const result = await captureHold(deps.db, {
        accountId: accountIdOf(principal),
        holdId: params.id,
        items: body.items,
        markup: body.markup ?? null,
        timestamp: body.timestamp ? new Date(body.timestamp) : null,
        idempotencyKey: idempotency.key,
        requestHash: idempotency.requestHash,
        purchaseUrl: purchaseUrlOf(deps.config.PUBLIC_URL),
        creditPricing: creditPricing(deps.config),
      });
      return createdOrReplayed(result);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/holds/:id/release',
    summary: 'Release a hold untouched (409 when it is no longer active)',
    tag: 'Holds',
    access: 'account',
    params: holdParams,
    errors: [409],
    response: { status: 200, description: 'the released hold', schema: holdSchema },
    handler: async ({ params, principal, deps }) => ({ status: 200, body: await releaseHold(deps.db, accountIdOf(principal), params.id) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/holds',
    summary: 'The account’s holds, newest first: active, captured, released and expired',
    tag: 'Holds',
    access: 'account',
    query: listQuery.extend({ status: z.enum(['active', 'captured', 'released', 'expired']).optional() }).strict(),
    response: { status: 200, description: 'a page of holds', schema: z.object({ data: z.array(holdSchema), meta: listMeta }) },
    handler: async ({ query, principal, deps }) => ({
      status: 200,
      body: await holdsPage(deps.db, accountIdOf(principal), { status: query.status ?? null, limit: query.limit, offset: query.offset }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/holds/:id',
    summary: 'One hold',
    tag: 'Holds',
    access: 'account',
    params: holdParams,
    response: { status: 200, description: 'the hold', schema: holdSchema },
    handler: async ({ params, principal, deps }) => ({ status: 200, body: await holdDetail(deps.db, accountIdOf(principal), params.id) }),
  }),
];
