import path from 'node:path';
import type { Config } from '../config/config';
import type { AppDeps } from '../app-deps';
import { migrateToLatest } from '../db/migrate';
import { buildDeps, closeDeps } from './build-deps';
import { startEmbeddedPostgres } from './embedded-postgres';
import { loadOrCreateSecret } from './local-secrets';
import { serveApi } from './serve-api';
import { runWorker } from './run-worker';
import { startStripeMock } from './stripe-mock';
import { startTemporalDevServer } from './temporal-dev-server';
import { ensureSchedules } from '../worker/schedules';
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
        : track(startEmbeddedPostgres({ dataDir: config.dataDir, logDir, database: 'settle' }), (pg) => pg.stop()),
      config.TEMPORAL_ADDRESS
        ? null
        : track(
            startTemporalDevServer({
              explicitPath: config.TEMPORAL_CLI_PATH,
              cacheDir: config.cacheDir,
              dataDir: config.dataDir,
              logDir,
              namespace: config.TEMPORAL_NAMESPACE,
              headless: options.headlessTemporal,
              log,
            }),
            (server) => server.process.stop(),
          ),
      config.STRIPE_SECRET_KEY || config.STRIPE_API_BASE
        ? null
        : track(
            startStripeMock({ explicitPath: config.STRIPE_MOCK_PATH, cacheDir: config.cacheDir, logDir, log }),
            (server) => server.process.stop(),
          ),
    ]);

    const endpoints = {
      databaseUrl: config.DATABASE_URL ?? postgres!.databaseUrl,
      temporalAddress: config.TEMPORAL_ADDRESS ?? temporal!.address,
      stripeApiBase: config.STRIPE_SECRET_KEY ? null : (config.STRIPE_API_BASE ?? stripeMock!.apiBase),
      adminApiKey: config.ADMIN_API_KEY ?? loadOrCreateSecret(config.dataDir, 'admin-api-key', 'sk'),
      webhookSecret: config.STRIPE_WEBHOOK_SECRET ?? loadOrCreateSecret(config.dataDir, 'stripe-webhook-secret', 'whsec'),
    };

    const deps = await buildDeps(config, endpoints);
    stoppers.push(() => closeDeps(deps));
    await migrateToLatest(deps.db);

    const worker = await runWorker(deps, endpoints.temporalAddress);
    stoppers.push(() => worker.stop());
    if (config.TEMPORAL_SCHEDULES) await ensureSchedules(deps.temporal, config);
    await ensureBillingCatalogOrWarn(deps);
    worker.done.catch((error: unknown) => log(`worker stopped: ${error instanceof Error ? error.message : String(error)}`));

    const api = await serveApi(deps, config.PORT);
    stoppers.push(() => api.close());

    return {
      deps,
      apiUrl: api.url,
      docsUrl: `${api.url}/docs`,
      temporalAddress: endpoints.temporalAddress,
      temporalUiUrl: temporal?.uiUrl ?? null,
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
