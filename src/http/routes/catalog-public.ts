import { z } from 'zod';
import { listModels, listPackages, listPlans, listToolsById } from '../../catalog/catalog.queries';
import { modelView, packageView, planView, toolView } from '../../catalog/catalog-views';
import { creditPriceMicroMinor } from '../../shared/credit-price';
import { defineRoute } from '../route';

export const packageSchema = z.object({
  id: z.string(),
  amount: z.number().meta({ description: 'the credit value: credits × the credit unit price, in the package currency' }),
  price: z.number().meta({ description: 'what the buyer pays, major units' }),
  currency: z.string(),
  credits: z.number().meta({ description: 'credits granted: amount / the credit unit price' }),
  discount_percent: z.number().meta({ description: 'how far the price is below the credit value' }),
});

export const toolSchema = z.object({
  id: z.string(),
  publisher_id: z.string().nullable(),
  credits_per_execution: z.number().meta({ description: 'what one execution charges, in credits' }),
  description: z.string().nullable(),
  demo: z.boolean().meta({ description: 'a demo price from the demo catalog, not one an operator set' }),
  min_credits_per_execution: z.number().meta({ description: 'the lowest price its publisher may set' }),
  max_credits_per_execution: z.number().meta({ description: 'the highest price its publisher may set' }),
});

export const catalogPublicRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/plans',
    summary: 'Available plans',
    tag: 'Catalog',
    access: 'public',
    response: { status: 200, description: 'plans', schema: z.object({ availablePlans: z.array(z.record(z.string(), z.unknown())) }) },
    handler: async ({ deps }) => ({ status: 200, body: { availablePlans: (await listPlans(deps.db)).map(planView) } }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/models',
    summary: 'Models with their credit rates per 1M tokens; provider costs only for an admin key',
    tag: 'Catalog',
    access: 'public',
    response: { status: 200, description: 'models', schema: z.object({ availableBaseModels: z.array(z.record(z.string(), z.unknown())) }) },
    handler: async ({ deps, principal }) => {
      const audience = principal.role === 'admin' ? 'operator' : 'customer';
      return { status: 200, body: { availableBaseModels: (await listModels(deps.db)).map((row) => modelView(row, audience)) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/credits/packages',
    summary: 'Credit packages for sale',
    tag: 'Catalog',
    access: 'public',
    response: {
      status: 200,
      description: 'packages',
      schema: z.object({ data: z.array(packageSchema) }),
    },
    handler: async ({ deps }) => {
      const unitPrice = creditPriceMicroMinor(deps.config);
      return { status: 200, body: { data: (await listPackages(deps.db)).map((row) => packageView(row, unitPrice)) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/tools',
    summary: 'The tools you can meter and what one execution costs: the exact price before you call it',
    tag: 'Catalog',
    access: ['account', 'admin', 'publisher'],
    response: { status: 200, description: 'tools', schema: z.object({ data: z.array(toolSchema) }) },
    handler: async ({ deps }) => ({ status: 200, body: { data: (await listToolsById(deps.db)).map(toolView) } }),
  }),
];
