import { z } from 'zod';
import { listModels, listPackages, listPlans } from '../../catalog/catalog.queries';
import { modelView, packageView, planView } from '../../catalog/catalog-views';
import { defineRoute } from '../route';

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
      schema: z.object({ data: z.array(z.object({ id: z.string(), amount: z.number(), price: z.number(), currency: z.string() })) }),
    },
    handler: async ({ deps }) => ({ status: 200, body: { data: (await listPackages(deps.db)).map(packageView) } }),
  }),
];
