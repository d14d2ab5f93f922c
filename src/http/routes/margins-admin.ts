import { z } from 'zod';
import { marginReport } from '../../reports/margin.service';
import { creditPricing } from '../../payouts/payout-config';
import { defineRoute } from '../route';
import { periodKey } from '../schemas/dates';

/** Margin control for the operator (seed 003): revenue against provider costs, per month. */
const marginFigures = {
  calls: z.number().int().meta({ description: 'model lines (model, provider) or usage events (account, totals)' }),
  credits: z.number().meta({ description: 'credits charged' }),
  revenue: z.number().meta({ description: 'credits × the credit unit price, in the report currency' }),
  provider_cost: z.number().meta({ description: 'what the providers charged for this usage (per the model cost profiles at the time)' }),
  margin: z.number().meta({ description: 'revenue − provider_cost' }),
  margin_percent: z.number().nullable().meta({ description: 'margin / revenue × 100, 2 decimals; null without revenue' }),
};

export const marginAdminRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/reports/margin',
    summary: 'Margin report: revenue, provider cost, margin and margin % of one month’s usage by model, provider or account',
    tag: 'Reports',
    access: 'admin',
    query: z.strictObject({
      period: periodKey.optional().meta({ description: 'YYYY-MM (UTC); default the current month' }),
      group_by: z.enum(['model', 'provider', 'account']).default('model')
        .meta({ description: 'model and provider group model lines (tool lines and agent markup belong to no model); account groups whole events' }),
    }),
    response: {
      status: 200,
      description: 'the report',
      schema: z.object({
        period: z.string(),
        group_by: z.enum(['model', 'provider', 'account']),
        currency: z.string(),
        data: z.array(z.object(marginFigures).catchall(z.unknown())).meta({ description: 'one row per group; the group key field is named after group_by' }),
        totals: z.object(marginFigures).meta({ description: 'all usage of the month: tools, markup and rounding included' }),
      }),
    },
    handler: async ({ query, deps }) => {
      const pricing = creditPricing(deps.config);
      return {
        status: 200,
        body: await marginReport(deps.db, { period: query.period ?? null, groupBy: query.group_by, priceMicroMinor: pricing.priceMicroMinor, currency: pricing.currency }),
      };
    },
  }),
];
