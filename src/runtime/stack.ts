import path from 'node:path';
import type { Config } from '../config/config';
import type { AppDeps } from '../app-deps';
import { migrateToLatest } from '../db/migrate';
import { seedDemoCatalog } from '../catalog/demo-catalog';
import { buildDeps, closeDeps } from './build-deps';
import { loadOrCreateSecret } from './local-secrets';
import { serveApi } from './serve-api';
import { runWorker } from './run-worker';
import { startSupervisedPostgres, startSupervisedStripeMock, startSupervisedTemporal } from './supervised-servers';
import { ensureSchedules } from '../worker/schedules';
import { ensureWebhookDelivery } from '../worker/webhook-delivery';
import { ensureBillingCatalogOrWarn } from '../subscriptions/billing-catalog';

export interface Stack {
  deps: AppDeps;
  apiUrl: string;
  docsUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  databaseUrl: string;
  stripeApiBase: string | null;
  adminApiKey: string;
  webhookSecret: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Tests run the Temporal dev server without its Web UI. */
  headlessTemporal?: boolean;
  /** False: no worker in this process (one runs elsewhere, e.g. the chaos suite's killable one). */
  inProcessWorker?: boolean;
  log?: (line: string) => void;
}

/**
 * Everything `npm start` runs, in one process tree: the embedded servers for whatever the
 * configuration does not point elsewhere, migrations, the worker and the API. The test suite
 * boots this same function.
 */
export async function startStack(config: Config, options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const logDir = path.join(config.dataDir, 'logs');
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) {
      await stop().catch((error: unknown) => log(`shutdown: ${error instanceof Error ? error.message : String(error)}`));
    }
  };

  try {
    // Register each server's stop as soon as it is up, so a failure in another still cleans up.
    const track = async <T>(server: Promise<T>, stop: (started: T) => Promise<void>): Promise<T> => {
      const started = await server;
      stoppers.push(() => stop(started));
      return started;
    };
    const [postgres, temporal, stripeMock] = await Promise.all([
      config.DATABASE_URL
        ? null
        : track(startSupervisedPostgres({ dataDir: config.dataDir, logDir, database: 'settle' }, log), (pg) => pg.stop()),
      config.TEMPORAL_ADDRESS
        ? null
        : track(
            startSupervisedTemporal(
              {
                explicitPath: config.TEMPORAL_CLI_PATH,
                cacheDir: config.cacheDir,
                dataDir: config.dataDir,
                logDir,
                namespace: config.TEMPORAL_NAMESPACE,
                headless: options.headlessTemporal,
                log,
              },
              log,
            ),
            (server) => server.stop(),
          ),
      config.STRIPE_SECRET_KEY || config.STRIPE_API_BASE
        ? null
        : track(
            startSupervisedStripeMock({ explicitPath: config.STRIPE_MOCK_PATH, cacheDir: config.cacheDir, logDir, log }, log),
            (server) => server.stop(),
          ),
    ]);

    const endpoints = {
      databaseUrl: config.DATABASE_URL ?? postgres!.current().databaseUrl,
      temporalAddress: config.TEMPORAL_ADDRESS ?? temporal!.current().address,
      stripeApiBase: config.STRIPE_SECRET_KEY ? null : (config.STRIPE_API_BASE ?? stripeMock!.current().apiBase),
      adminApiKey: config.ADMIN_API_KEY ?? loadOrCreateSecret(config.dataDir, 'admin-api-key', 'sk'),
      webhookSecret: config.STRIPE_WEBHOOK_SECRET ?? loadOrCreateSecret(config.dataDir, 'stripe-webhook-secret', 'whsec'),
    };

    const deps = await buildDeps(config, endpoints);
    stoppers.push(() => closeDeps(deps));
    await migrateToLatest(deps.db);
    if (config.SEED_DEMO_CATALOG) await seedDemoCatalog(deps.db); // README examples work on a fresh start

    if (options.inProcessWorker ?? true) {
      const worker = await runWorker(deps, endpoints.temporalAddress);
      stoppers.push(() => worker.stop());
      worker.done.catch((error: unknown) => log(`worker stopped: ${error instanceof Error ? error.message : String(error)}`));
    }
    if (config.TEMPORAL_SCHEDULES) await ensureSchedules(deps.temporal, config);
    await ensureWebhookDelivery(deps.temporal, config);
    await ensureBillingCatalogOrWarn(deps);

    deps.temporalUiUrl = temporal?.current().uiUrl ?? null; // the console links workflows there
    const api = await serveApi(deps, config.PORT);
    stoppers.push(() => api.close());

    return {
      deps,
      apiUrl: api.url,
      docsUrl: `${api.url}/docs`,
      temporalAddress: endpoints.temporalAddress,
      temporalUiUrl: temporal?.current().uiUrl ?? null,
      databaseUrl: endpoints.databaseUrl,
      stripeApiBase: endpoints.stripeApiBase,
      adminApiKey: endpoints.adminApiKey,
      webhookSecret: endpoints.webhookSecret,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
