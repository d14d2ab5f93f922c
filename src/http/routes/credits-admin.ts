import type { Request } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { grantCredits } from '../../credits/credits.service';
import { createdOrReplayed, idempotencyOf } from '../idempotency';
import { createVoucher } from '../../credits/vouchers.service';
import { defineRoute } from '../route';
import { creditAmount, tokenAmount } from '../schemas/amounts';
import { idParam, isoDateTime } from '../schemas/common';

const accountId = idParam('acct');
const description = z.string().max(500).optional();
const idempotencyKey = z.string().min(1).max(255).optional();
const futureDate = isoDateTime.refine((date) => date > new Date(), 'must be in the future');

const posted = { status: 201, description: 'the ledger entry and its grant', schema: z.object({ data: z.record(z.string(), z.unknown()) }) };

type GrantInput = Omit<Parameters<typeof grantCredits>[1], 'key' | 'requestHash'>;

/** The three admin grant routes differ only in the grant they post; keyed and replayed alike. */
async function postGrant(req: Request, db: Knex, bodyKey: string | undefined, grant: GrantInput) {
  return createdOrReplayed(await grantCredits(db, { ...grant, ...idempotencyOf(req, bodyKey) }));
}

export const creditAdminRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/admin/credits/deposit',
    summary: 'Deposit credits into an account',
    tag: 'Credits (admin)',
    access: 'admin',
    idempotencyKey: true,
    body: z.strictObject({ account_id: accountId, amount: creditAmount(), description, idempotency_key: idempotencyKey }),
    errors: [404, 409],
    response: posted,
    handler: ({ body, req, deps }) =>
      postGrant(req, deps.db, body.idempotency_key, {
        accountId: body.account_id,
        unit: 'credits',
        kind: 'admin',
        amount: body.amount,
        type: 'deposit',
        description: body.description ?? 'Deposit',
      }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/grants',
    summary: 'Grant credits of a kind, with optional expiry and priority',
    tag: 'Credits (admin)',
    access: 'admin',
    idempotencyKey: true,
    body: z.strictObject({
      account_id: accountId,
      amount: creditAmount(),
      kind: z.enum(['included', 'purchased', 'promotional', 'voucher', 'admin']),
      expires_at: futureDate.optional(),
      priority: z.number().int().min(0).max(100).optional().meta({ description: '0 burns first, 100 last; default by kind' }),
      description,
      idempotency_key: idempotencyKey,
    }),
    errors: [404, 409],
    response: posted,
    handler: ({ body, req, deps }) =>
      postGrant(req, deps.db, body.idempotency_key, {
        accountId: body.account_id,
        unit: 'credits',
        kind: body.kind,
        amount: body.amount,
        type: 'grant',
        description: body.description ?? `${body.kind} grant`,
        expiresAt: body.expires_at ?? null,
        priority: body.priority,
      }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/tokens/grant',
    summary: 'Grant tokens to an account',
    tag: 'Credits (admin)',
    access: 'admin',
    idempotencyKey: true,
    body: z.strictObject({ account_id: accountId, amount: tokenAmount(), expires_at: futureDate.optional(), description, idempotency_key: idempotencyKey }),
    errors: [404, 409],
    response: posted,
    handler: ({ body, req, deps }) =>
      postGrant(req, deps.db, body.idempotency_key, {
        accountId: body.account_id,
        unit: 'tokens',
        kind: 'admin',
        amount: body.amount,
        type: 'grant',
        description: body.description ?? 'Token grant',
        expiresAt: body.expires_at ?? null,
      }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/vouchers',
    summary: 'Create a voucher code',
    tag: 'Credits (admin)',
    access: 'admin',
    body: z.strictObject({
      code: z.string().trim().min(4).max(64).regex(/^[A-Za-z0-9-]+$/, 'letters, digits and -').optional(),
      credits: creditAmount(),
      max_redemptions: z.number().int().min(1).max(10_000_000).default(1),
      expires_at: futureDate.optional(),
    }),
    errors: [409],
    response: { status: 201, description: 'the voucher', schema: z.record(z.string(), z.unknown()) },
    handler: async ({ body, deps }) => ({
      status: 201,
      body: await createVoucher(deps.db, { code: body.code, credits: body.credits, maxRedemptions: body.max_redemptions, expiresAt: body.expires_at ?? null }),
    }),
  }),
];
