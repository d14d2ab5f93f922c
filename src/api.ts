import { loadConfigOrExit } from './config/load-or-exit';
import { buildDeps, closeDeps } from './runtime/build-deps';
import { productionEndpoints } from './runtime/production-endpoints';
import { serveApi } from './runtime/serve-api';
import { onShutdownSignal } from './runtime/shutdown';

/** `npm run api`: the HTTP API alone, against external PostgreSQL, Temporal and Stripe. */
async function main(): Promise<void> {
  const config = loadConfigOrExit('production');
  const deps = await buildDeps(config, productionEndpoints(config));
  const api = await serveApi(deps, config.PORT);
  onShutdownSignal(async () => {
    await api.close();
    await closeDeps(deps);
  });
  deps.log.info({ url: api.url }, 'Settle API listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`Settle API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
