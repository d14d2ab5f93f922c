import cluster from 'node:cluster';
import { loadConfigOrExit } from './config/load-or-exit';
import { startTracing } from './observability/tracing';
import { productionEndpoints } from './runtime/production-endpoints';
import { onShutdownSignal } from './runtime/shutdown';

/**
 * `npm run api`: the HTTP API alone, against external PostgreSQL, Temporal and Stripe. With
 * API_PROCESSES > 1 it forks that many processes sharing PORT (node:cluster), so one machine's
 * cores all serve requests; each process keeps its own pool and debit batcher.
 */
async function serve(): Promise<void> {
  const config = loadConfigOrExit('production');
  // OTEL_EXPORTER_OTLP_ENDPOINT: tracing starts before express and pg are loaded (imported
  // below, not at the top) so its instrumentations can patch them
  const tracing = startTracing('settle-api');
  const { buildDeps, closeDeps } = await import('./runtime/build-deps.js');
  const { serveApi } = await import('./runtime/serve-api.js');
  const deps = await buildDeps(config, productionEndpoints(config));
  const api = await serveApi(deps, config.PORT);
  onShutdownSignal(async () => {
    await api.close();
    await closeDeps(deps);
    await tracing?.stop();
  });
  deps.log.info({ url: api.url, pid: process.pid }, 'Settle API listening');
}

function supervise(processes: number): void {
  for (let i = 0; i < processes; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    if (code !== 0 && !stopping) {
      process.stderr.write(`API process ${worker.process.pid} exited with ${code}; starting another\n`);
      cluster.fork();
    }
  });
  let stopping = false;
  onShutdownSignal(async () => {
    stopping = true;
    await Promise.all(Object.values(cluster.workers ?? {}).map((worker) => new Promise((resolve) => {
      worker!.once('exit', resolve);
      worker!.kill('SIGTERM');
    })));
  });
}

const config = loadConfigOrExit('production');
if (cluster.isPrimary && config.API_PROCESSES > 1) {
  supervise(config.API_PROCESSES);
} else {
  serve().catch((error: unknown) => {
    process.stderr.write(`Settle API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
