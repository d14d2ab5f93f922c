import { z } from 'zod';
import { listTaxRates, putTaxRate, taxRateView } from '../../invoices/tax-rates.service';
import { defineRoute } from '../route';
import { shortText } from '../schemas/common';
import { countryCode } from './billing-profile';

const rateView = z.object({ country: z.string(), rate: z.number(), rate_bp: z.number().int(), name: z.string(), updated_at: z.string() });

const rateBody = z.strictObject({
  rate: z
    .number()
    .min(0)
    .max(1)
    .refine((rate) => /^\d+(\.\d{1,4})?$/.test(String(rate)), 'must have at most 4 decimals (0.19 = 19 %, 0.0825 = 8.25 %)')
    .meta({ description: 'a decimal fraction of the net amount with at most 4 decimals: 0.19 = 19 %' }),
  name: shortText(40).meta({ description: 'label of the tax line, e.g. VAT, GST, Sales tax' }),
});

export const taxRateRoutes = [
  defineRoute({
    method: 'put',
    path: '/v1/admin/tax-rates/:country',
    summary: 'Set the tax rate of a country (finalized invoices keep their frozen rate)',
    tag: 'Invoices',
    access: 'admin',
    params: z.object({ country: countryCode }),
    body: rateBody,
    response: { status: 200, description: 'the stored rate', schema: rateView },
    handler: async ({ params, body, deps }) => {
      // Exact: the decimal string has at most 4 decimals, so rate × 10000 rounds to the intended integer.
      const rateBp = Math.round(body.rate * 10_000);
      return { status: 200, body: taxRateView(await putTaxRate(deps.db, params.country, rateBp, body.name)) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/tax-rates',
    summary: 'Every configured tax rate (countries without one are taxed at 0 % outside the EU)',
    tag: 'Invoices',
    access: 'admin',
    response: { status: 200, description: 'the rates', schema: z.object({ data: z.array(rateView) }) },
    handler: async ({ deps }) => ({ status: 200, body: { data: (await listTaxRates(deps.db)).map(taxRateView) } }),
  }),
];
