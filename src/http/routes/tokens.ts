import { z } from 'zod';
import { listPlans } from '../../catalog/catalog.queries';
import { debitPlain } from '../../credits/credits.service';
import { createdOrReplayed, idempotencyOf } from '../../credits/idempotency';
import { spendableBalances } from '../../credits/ledger.queries';
import { transactionView } from '../../credits/ledger-views';
import { listEntries } from '../../credits/reports.queries';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';
import { tokenAmount } from '../schemas/amounts';
import { listMeta, listQuery } from '../schemas/common';

/** The token unit (seed 004): its own balance and ledger, same rules as credits. */
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
  defineRoute({
    method: 'get',
    path: '/v1/tokens/transactions',
    summary: 'Token transactions with balance_after, newest first',
    tag: 'Tokens',
    access: 'account',
    query: listQuery,
    response: { status: 200, description: 'a page of transactions', schema: z.object({ data: z.array(z.record(z.string(), z.unknown())), meta: listMeta }) },
    handler: async ({ query, principal, deps }) => {
      const page = await listEntries(deps.db, accountIdOf(principal), 'tokens', query);
      return { status: 200, body: { data: page.rows.map(transactionView), meta: { total: page.total, limit: query.limit, offset: query.offset } } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/tokens/consume',
    summary: 'Record token consumption (402 when the token allowance is used up on a hard-limit plan)',
    tag: 'Tokens',
    access: 'account',
    idempotencyKey: true,
    body: z.strictObject({ amount: tokenAmount(), description: z.string().max(500).optional(), idempotency_key: z.string().min(1).max(255).optional() }),
    errors: [402, 409],
    response: { status: 201, description: 'the ledger entry', schema: z.object({ data: z.record(z.string(), z.unknown()) }) },
    handler: async ({ body, req, principal, deps }) => {
      const idempotency = idempotencyOf(req, body.idempotency_key);
      const result = await debitPlain(deps.db, {
        accountId: accountIdOf(principal),
        unit: 'tokens',
        amount: body.amount,
        description: body.description ?? null,
        ...idempotency,
      });
      return createdOrReplayed(result);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/tokens/plans',
    summary: 'Monthly token allowance per plan',
    tag: 'Tokens',
    access: 'public',
    response: { status: 200, description: 'plans', schema: z.object({ data: z.array(z.object({ id: z.string(), name: z.string(), tokens_per_month: z.number() })) }) },
    handler: async ({ deps }) => ({
      status: 200,
      body: { data: (await listPlans(deps.db)).map((plan) => ({ id: plan.id, name: plan.name, tokens_per_month: Number(plan.included_tokens) })) },
    }),
  }),
];
