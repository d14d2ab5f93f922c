import { z } from 'zod';
import { billingMismatchView } from '../../subscriptions/billing-mismatch-view';
import { listMismatches } from '../../subscriptions/billing-mismatch.queries';
import { defineRoute } from '../route';
import { idParam, listMeta, listQuery } from '../schemas/common';
import { periodKey } from '../schemas/dates';

/**
 * Finance ops: Settle's period invoices whose Stripe invoice charged a different total, tax or
 * currency. Listed, never silently accepted: Settle's invoice is the legal document.
 */
const billingMismatchSchema = z.object({
  id: z.string(),
  account_id: z.string(),
  period: z.string().meta({ description: 'YYYY-MM' }),
  currency: z.string().meta({ description: "currency of Settle's invoice" }),
  settle_invoice_id: z.string(),
  settle_total: z.number().meta({ description: "Settle's total incl. tax, major units" }),
  settle_tax: z.number().meta({ description: "Settle's tax, major units" }),
  stripe_invoice_id: z.string(),
  stripe_currency: z.string().meta({ description: "currency of Stripe's invoice" }),
  stripe_total: z.number().meta({ description: "Stripe's total incl. tax, major units of stripe_currency" }),
  stripe_tax: z.number().meta({ description: "Stripe's tax, major units of stripe_currency" }),
  reasons: z.array(z.enum(['total_differs', 'tax_differs', 'currency_differs'])),
  detected_at: z.string(),
  resolved_at: z.string().nullable(),
});

export const billingMismatchAdminRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/billing-mismatches',
    summary: "Period invoices whose Stripe invoice charged a different amount, newest first, with both amounts and why",
    tag: 'Subscriptions',
    access: 'admin',
    query: listQuery.extend({
      account_id: idParam('acct').optional(),
      period: periodKey.optional(),
    }),
    response: { status: 200, description: 'billing mismatches', schema: z.object({ data: z.array(billingMismatchSchema), meta: listMeta }) },
    handler: async ({ query, deps }) => {
      const { rows, total } = await listMismatches(deps.db, { accountId: query.account_id, period: query.period, limit: query.limit, offset: query.offset });
      return { status: 200, body: { data: rows.map(billingMismatchView), meta: { total, limit: query.limit, offset: query.offset } } };
    },
  }),
];
