import { loadConfigOrExit } from './config/load-or-exit';
import { productionEndpoints } from './runtime/production-endpoints';
import { onShutdownSignal } from './runtime/shutdown';
import { metricsSettings } from './observability/metrics-settings';
import { startTracing } from './observability/tracing';

/**
 * `npm run worker`: the Temporal worker alone. It applies pending migrations first (they are
 * idempotent and knex locks them), so a deploy needs no separate migration step.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit('production');
  const metrics = metricsSettings();
  // OTEL_EXPORTER_OTLP_ENDPOINT: tracing starts before pg is loaded (the rest is imported here,
  // not at the top) so its instrumentation can patch it
  const tracing = startTracing('settle-worker');
  const { migrateToLatest } = await import('./db/migrate.js');
  const { buildDeps, closeDeps } = await import('./runtime/build-deps.js');
  const { runWorker } = await import('./runtime/run-worker.js');
  const { ensureSchedules } = await import('./worker/schedules.js');
  const { ensureWebhookDelivery } = await import('./worker/webhook-delivery.js');
  const { ensureBillingCatalogOrWarn } = await import('./subscriptions/billing-catalog.js');
  const { serveMetrics } = await import('./observability/metrics-server.js');
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
    await tracing?.stop();
  });
  deps.log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'Settle worker polling');
  await worker.done;
}

main().catch((error: unknown) => {
  process.stderr.write(`Settle worker failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
