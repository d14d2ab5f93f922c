import { z } from 'zod';
import { transactionView } from '../../credits/ledger-views';
import { listEntries } from '../../credits/reports.queries';
import { usageBreakdownsOf } from '../../reports/transaction-breakdowns';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';
import { listMeta } from '../schemas/common';
import { hasMoreSchema, transactionSchema, transactionsQuery } from './unit-ledger-routes';

/**
 * GET /v1/credits/transactions (seed 004), and with `expand=breakdown` (seed 002) each usage
 * entry's lines: tool or model, tokens, minutes, images, credits, markup and rounding.
 */
export const creditTransactionsRoute = defineRoute({
  method: 'get',
  path: '/v1/credits/transactions',
  summary: 'Credit transactions with balance_after, newest first; expand=breakdown adds each usage entry’s lines',
  tag: 'Credits',
  access: 'account',
  query: transactionsQuery.extend({
    expand: z.enum(['breakdown']).optional().meta({ description: '"breakdown": each usage transaction carries the lines it charged' }),
  }),
  response: {
    status: 200,
    description: 'a page of transactions',
    schema: z.object({
      data: z.array(
        transactionSchema.extend({
          breakdown: z.array(z.record(z.string(), z.unknown())).optional().meta({ description: 'with expand=breakdown, on usage transactions: one line per item, then markup and rounding' }),
        }),
      ),
      has_more: hasMoreSchema,
      meta: listMeta,
    }),
  },
  handler: async ({ query, principal, deps }) => {
    const accountId = accountIdOf(principal);
    const page = await listEntries(deps.db, accountId, 'credits', { ...query, startingAfter: query.starting_after });
    const breakdowns = query.expand === 'breakdown' ? await usageBreakdownsOf(deps.db, accountId, page.rows) : new Map<string, unknown[]>();
    const data = page.rows.map((entry) => {
      const lines = entry.reference ? breakdowns.get(entry.reference) : undefined;
      return lines ? { ...transactionView(entry), breakdown: lines } : transactionView(entry);
    });
    return { status: 200, body: { data, has_more: page.hasMore, meta: { total: page.total, limit: query.limit, offset: query.offset } } };
  },
});
