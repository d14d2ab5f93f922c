import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDeps } from '../app-deps';
import { createHttpApp } from '../http/app';
import { startInboxHandoff } from '../checkout/inbox-handoff';

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serveApi(deps: AppDeps, port: number): Promise<RunningApi> {
  const httpApp = createHttpApp(deps);
  const { app } = httpApp;
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  // Acknowledged webhooks whose dispatch after the 2xx never happened or failed are handed on here.
  const handoff = startInboxHandoff({ db: deps.db, stripe: deps.stripe, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE }, deps.log);
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    close: async () => {
      await handoff.stop();
      await httpApp.close(); // its key-revocation listener
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 3000).unref();
      });
    },
  };
}
