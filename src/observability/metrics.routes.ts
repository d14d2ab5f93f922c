import { defineRoute } from '../http/route';
import { renderMetrics } from './scrape-metrics';

/**
 * `GET /metrics` on the API port, for operators: the admin key is required here because this
 * port faces clients. Scrapers on an internal network use METRICS_PORT instead (see
 * metrics-settings.ts). Each API process answers for itself.
 */
export const metricsRoutes = [
  defineRoute({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of the API process that answers: request latency per route, debit batches, database pool, webhook inbox lag, close and payout progress',
    tag: 'Health',
    access: 'admin',
    // the admin key is checked without the database, and the figures it cannot read are left out
    alwaysAvailable: true,
    response: { status: 200, description: 'Prometheus text exposition format (version 0.0.4)', contentType: 'text/plain' },
    handler: async ({ deps, res }) => {
      const { contentType, text } = await renderMetrics({ db: deps.db });
      res.status(200).type(contentType).send(text);
      return undefined;
    },
  }),
];
