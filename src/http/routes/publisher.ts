import { z } from 'zod';
import Stripe from 'stripe';
import { connectPublisher } from '../../payouts/connect.service';
import { publisherEarnings } from '../../payouts/earnings.service';
import { payoutView } from '../../payouts/payout-view';
import { findPayout, listPayouts, PAYOUT_STATUSES } from '../../payouts/payouts.queries';
import { NotFoundError, UnavailableError } from '../../shared/errors';
import { defineRoute } from '../route';
import type { Principal } from '../auth';
import { idParam, listMeta, listQuery } from '../schemas/common';
import { payoutSchema } from './payouts-schemas';
import { setPublisherToolPrice } from '../../catalog/publisher-tool-price';
import { toolView } from '../../catalog/catalog-views';
import { creditPrice } from '../schemas/amounts';
import { toolSchema } from './catalog-public';

/** Publisher-key endpoints: a publisher sees only its own earnings and payouts. */
const publisherOf = (principal: Principal): string => {
  if (principal.role !== 'publisher') throw new NotFoundError('Publisher');
  return principal.publisherId;
};

const earningsSchema = z.object({
  earnings: z.object({
    total_earned: z.number().meta({ description: 'all accrued publisher share, major units (net of refund reversals)' }),
    pending_payout: z.number().meta({ description: 'earned and not yet paid, including carried-forward amounts' }),
    last_payout: z.number(),
    last_payout_date: z.string().nullable(),
    currency: z.string(),
  }),
  tools: z.array(
    z.object({
      tool: z.string(),
      executions: z.number(),
      credits_earned: z.number().meta({ description: "the publisher's share of the credits spent on the tool" }),
      revenue: z.number().meta({ description: 'credits_earned valued at the credit unit price, major units' }),
      credits_spent: z.number(),
    }),
  ),
});

export const publisherRoutes = [
  defineRoute({
    method: 'put',
    path: '/v1/publisher/tools/:id',
    summary: 'Set the price of one of your tools, within the bounds an admin set (default 1 to 10 credits)',
    tag: 'Publishers',
    access: 'publisher',
    params: z.object({ id: z.string().min(1).max(200).regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'letters, digits and . _ : / -') }),
    body: z.strictObject({ credits_per_execution: creditPrice({ allowZero: true }), description: z.string().max(1000).optional() }),
    response: { status: 200, description: 'the tool with its new price', schema: toolSchema },
    handler: async ({ principal, params, body, deps }) => {
      const tool = await setPublisherToolPrice(deps.db, publisherOf(principal), params.id, { price: body.credits_per_execution, description: body.description });
      return { status: 200, body: toolView(tool) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/publisher/earnings',
    summary: 'Your earnings: totals, pending payout, last payout, per tool',
    tag: 'Publishers',
    access: 'publisher',
    response: { status: 200, description: 'earnings', schema: earningsSchema },
    handler: async ({ principal, deps }) => ({
      status: 200,
      body: await publisherEarnings(deps.db, publisherOf(principal), deps.config.CREDIT_CURRENCY),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/publisher/connect',
    summary: 'Create your Stripe Connect (Express) account if missing and get an onboarding link',
    tag: 'Publishers',
    access: 'publisher',
    body: z
      .strictObject({
        return_url: z.url().max(2000).optional().meta({ description: 'where Stripe sends you after onboarding' }),
        refresh_url: z.url().max(2000).optional().meta({ description: 'where Stripe sends you when the link expired (call this endpoint again)' }),
      })
      .default({}),
    errors: [409, 503],
    response: {
      status: 200,
      description: 'the connected account and a fresh onboarding link',
      schema: z.object({ account_id: z.string(), onboarding_url: z.string(), transfers_enabled: z.boolean() }),
    },
    handler: async ({ principal, body, deps }) => {
      try {
        const result = await connectPublisher(deps, publisherOf(principal), { returnUrl: body.return_url, refreshUrl: body.refresh_url });
        return { status: 200, body: { account_id: result.account_id, onboarding_url: result.onboarding_url, transfers_enabled: result.transfers_enabled } };
      } catch (error) {
        if (error instanceof Stripe.errors.StripeError) throw new UnavailableError(`Stripe did not create the onboarding link: ${error.message}`, { stripe_code: error.code ?? error.type });
        throw error;
      }
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/publisher/payouts',
    summary: 'Your payouts, newest first',
    tag: 'Publishers',
    access: 'publisher',
    query: listQuery.extend({ status: z.enum(PAYOUT_STATUSES).optional() }),
    response: { status: 200, description: 'payouts', schema: z.object({ data: z.array(payoutSchema), meta: listMeta }) },
    handler: async ({ principal, query, deps }) => {
      const { rows, total } = await listPayouts(deps.db, { publisherId: publisherOf(principal), status: query.status, limit: query.limit, offset: query.offset });
      return { status: 200, body: { data: rows.map(payoutView), meta: { total, limit: query.limit, offset: query.offset } } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/publisher/payouts/:id',
    summary: 'One of your payouts',
    tag: 'Publishers',
    access: 'publisher',
    params: z.object({ id: idParam('po') }),
    response: { status: 200, description: 'the payout', schema: payoutSchema },
    handler: async ({ principal, params, deps }) => {
      const payout = await findPayout(deps.db, params.id);
      if (!payout || payout.publisher_id !== publisherOf(principal)) throw new NotFoundError('Payout', params.id);
      return { status: 200, body: payoutView(payout) };
    },
  }),
];
