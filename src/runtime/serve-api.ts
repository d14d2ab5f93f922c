import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { AppDeps } from '../app-deps';
import { createHttpApp } from '../http/app';
import { startInboxHandoff } from '../checkout/inbox-handoff';
import { metricsSettings } from '../observability/metrics-settings';
import { serveMetrics } from '../observability/metrics-server';

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** In-flight requests get this long to finish after a stop; the shutdown signal handler allows 9 s in all. */
const DRAIN_MS = 6000;
/** Long enough for Node to read a request already sent on a connection accepted just before the stop. */
const FRESH_CONNECTION_GRACE_MS = 100;

export async function serveApi(deps: AppDeps, port: number): Promise<RunningApi> {
  const httpApp = createHttpApp(deps);
  const server = http.createServer(httpApp.listener);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  // Acknowledged webhooks whose dispatch after the 2xx never happened or failed are handed on here.
  const handoff = startInboxHandoff({ db: deps.db, stripe: deps.stripe, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE }, deps.log);
  const metrics = metricsSettings();
  const metricsServer = metrics.METRICS_PORT ? await serveMetrics({ port: metrics.METRICS_PORT, token: metrics.METRICS_TOKEN }, { db: deps.db }) : null;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    close: async () => {
      // Graceful drain: stop accepting first (a load balancer's next connection is refused and goes
      // to another process), let the requests in flight finish, and only then stop what they use.
      const drained = new Promise<void>((resolve) => server.once('close', () => resolve()));
      // net.Server's close stops accepting and nothing more. http.Server's would also close idle
      // connections at once, and a connection accepted a moment ago counts as idle until Node has
      // read its request: that request, already sent, would be cut off (a 502 at the balancer).
      net.Server.prototype.close.call(server);
      await new Promise((resolve) => setTimeout(resolve, FRESH_CONNECTION_GRACE_MS));
      server.close(); // now http.Server's: idle connections closed, its timers stopped
      // A kept-alive connection that finishes its request during the drain is closed as soon as it is idle.
      const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
      const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
      await drained;
      clearInterval(closeIdle);
      clearTimeout(force);
      await metricsServer?.close();
      await handoff.stop();
      await httpApp.close(); // its key-revocation listener
    },
  };
}
