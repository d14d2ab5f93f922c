import { loadConfigOrExit } from './config/load-or-exit';
import { migrateToLatest } from './db/migrate';
import { buildDeps, closeDeps } from './runtime/build-deps';
import { productionEndpoints } from './runtime/production-endpoints';
import { runWorker } from './runtime/run-worker';
import { onShutdownSignal } from './runtime/shutdown';
import { ensureSchedules } from './worker/schedules';
import { ensureWebhookDelivery } from './worker/webhook-delivery';
import { ensureBillingCatalogOrWarn } from './subscriptions/billing-catalog';
import { metricsSettings } from './observability/metrics-settings';
import { serveMetrics } from './observability/metrics-server';

/**
 * `npm run worker`: the Temporal worker alone. It applies pending migrations first (they are
 * idempotent and knex locks them), so a deploy needs no separate migration step.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit('production');
  const metrics = metricsSettings();
  const endpoints = productionEndpoints(config);
  const deps = await buildDeps(config, endpoints);
  await migrateToLatest(deps.db);
  const worker = await runWorker(deps, endpoints.temporalAddress);
  if (config.TEMPORAL_SCHEDULES) await ensureSchedules(deps.temporal, config);
  await ensureWebhookDelivery(deps.temporal, config);
  await ensureBillingCatalogOrWarn(deps);
  // METRICS_PORT: the worker's only HTTP port, for Prometheus (see docs/scaling.md)
  const metricsServer = metrics.METRICS_PORT ? await serveMetrics({ port: metrics.METRICS_PORT, token: metrics.METRICS_TOKEN }, { db: deps.db, worker: () => worker.status() }) : null;
  onShutdownSignal(async () => {
    await metricsServer?.close();
    await worker.stop();
    await closeDeps(deps);
  });
  deps.log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'Settle worker polling');
  await worker.done;
}

main().catch((error: unknown) => {
  process.stderr.write(`Settle worker failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
