import { z } from 'zod';
import { defineRoute } from '../route';
import { checkReadiness } from '../../system/readiness';

export const healthRoutes = [
  defineRoute({
    method: 'get',
    path: '/healthz',
    summary: 'The process is alive',
    tag: 'Health',
    access: 'public',
    alwaysAvailable: true,
    response: { status: 200, description: 'alive', schema: z.object({ status: z.literal('ok') }) },
    handler: async () => ({ status: 200, body: { status: 'ok' } }),
  }),
  defineRoute({
    method: 'get',
    path: '/readyz',
    summary: 'Database, Temporal and Stripe all answer (503 until they do)',
    tag: 'Health',
    access: 'public',
    response: {
      status: 200,
      alsoStatuses: [503],
      description: 'ready',
      schema: z.object({
        status: z.enum(['ready', 'unavailable']),
        checks: z.object({ database: z.string(), temporal: z.string(), stripe: z.string() }),
      }),
    },
    handler: async ({ deps }) => {
      const readiness = await checkReadiness(deps);
      return { status: readiness.status === 'ready' ? 200 : 503, body: readiness };
    },
  }),
];
