import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDeps } from '../app-deps';
import { createHttpApp } from '../http/app';

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serveApi(deps: AppDeps, port: number): Promise<RunningApi> {
  const { app } = createHttpApp(deps);
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 3000).unref();
      }),
  };
}
