import { z } from 'zod';
import { listPlans } from '../../catalog/catalog.queries';
import { spendableBalances } from '../../credits/ledger.queries';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';
import { tokenAmount } from '../schemas/amounts';
import { plainDebitRoute, transactionsRoute } from './unit-ledger-routes';

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
