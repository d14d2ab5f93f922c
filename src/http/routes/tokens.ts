import { z } from 'zod';
import { listPlans } from '../../catalog/catalog.queries';
import { spendableBalances } from '../../credits/ledger.queries';
import { checkoutTokenPack } from '../../tokens/token-checkout';
import { listTokenPacks, tokenPackView } from '../../tokens/token-packs';
import { createdOrReplayed, idempotencyKeyOf } from '../idempotency';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';
import { tokenAmount } from '../schemas/amounts';
import { plainDebitRoute, transactionsRoute } from './unit-ledger-routes';

/** A plan's monthly token allowance: the entry this route always listed, unchanged (no `type`). */
const planEntry = z.object({
  id: z.string(),
  name: z.string(),
  tokens_per_month: z.number(),
});

/** A token pack for sale, in the credit packages' shape, marked by `type: "pack"`. */
const packEntry = z.object({
  type: z.literal('pack').meta({ description: 'a token pack for sale: buy it with POST /v1/tokens/checkout {pack_id}' }),
  id: z.string(),
  tokens: z.number().meta({ description: 'tokens granted' }),
  price: z.number().meta({ description: 'what the buyer pays, major units' }),
  currency: z.string(),
});

const tokenPurchaseCreated = z.object({
  purchase_id: z.string().meta({ description: 'follow it with GET /v1/billing/credits/purchases/:id' }),
  checkout_url: z.string().nullable().meta({ description: 'the hosted Stripe Checkout page; tokens are added after its signed payment webhook' }),
  unit: z.literal('tokens'),
  tokens: z.number(),
  amount_due: z.number().meta({ description: 'major units of currency' }),
  currency: z.string(),
  status: z.literal('pending'),
  pack_id: z.string().nullable(),
  expires_at: z.string().nullable(),
});

/** The token unit: its own balance and ledger, same rules as credits. */
export const tokenRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/tokens/balance',
    summary: 'Spendable token balance',
    tag: 'Tokens',
    access: 'account',
    response: { status: 200, description: 'balance', schema: z.object({ data: z.object({ balance: z.number(), unit: z.literal('tokens') }) }) },
    handler: async ({ principal, deps }) => {
      const spendable = await spendableBalances(deps.db, accountIdOf(principal), new Date());
      return { status: 200, body: { data: { balance: Number(spendable.tokens), unit: 'tokens' } } };
    },
  }),
  transactionsRoute({ path: '/v1/tokens/transactions', summary: 'Token transactions with balance_after, newest first', tag: 'Tokens', unit: 'tokens' }),
  plainDebitRoute({
    path: '/v1/tokens/consume',
    summary: 'Record token consumption (402 when the token allowance is used up on a hard-limit plan)',
    tag: 'Tokens',
    unit: 'tokens',
    amount: tokenAmount(),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/tokens/plans',
    summary: 'Token plans: each plan’s monthly token allowance, then the token packs for sale (type "pack")',
    tag: 'Tokens',
    access: 'public',
    response: {
      status: 200,
      description: 'plan allowances ({id, name, tokens_per_month}) and token packs ({type: "pack", id, tokens, price, currency})',
      schema: z.object({ data: z.array(z.union([packEntry, planEntry])) }),
    },
    handler: async ({ deps }) => {
      const [plans, packs] = await Promise.all([listPlans(deps.db), listTokenPacks(deps.db)]);
      return {
        status: 200,
        body: {
          data: [
            ...plans.map((plan) => ({ id: plan.id, name: plan.name, tokens_per_month: Number(plan.included_tokens) })),
            ...packs.map(tokenPackView),
          ],
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/tokens/checkout',
    summary: 'Buy a token pack: a payment order and a Stripe Checkout Session, credited in tokens after the signed payment webhook',
    tag: 'Tokens',
    access: 'account',
    idempotencyKey: true,
    errors: [409, 503],
    body: z.strictObject({
      pack_id: z.string().min(1).max(64).meta({ description: 'a pack (type pack) from GET /v1/tokens/plans' }),
      idempotency_key: z.string().min(1).max(255).optional().meta({ description: 'alternative to the Idempotency-Key header' }),
    }),
    response: { status: 201, description: 'the pending token purchase and its Checkout URL', schema: tokenPurchaseCreated },
    handler: async ({ body, deps, req, principal }) => {
      const idempotency = idempotencyKeyOf(req, body.idempotency_key);
      return createdOrReplayed(await checkoutTokenPack(deps, accountIdOf(principal), body, idempotency.given ? idempotency.key : null));
    },
  }),
];
