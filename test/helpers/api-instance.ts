import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config';
import { createHttpApp, type HttpApp } from '../../src/http/app';
import { buildDeps, closeDeps } from '../../src/runtime/build-deps';
import { readStackInfo } from './stack-info';

export interface ApiInstance {
  url: string;
  http: HttpApp;
  stop(): Promise<void>;
}

/**
 * Another API process's worth of Settle on the test stack's database, Temporal and stripe-mock,
 * in this process with its own settings (e.g. a low rate limit) and its own key cache;
 * `stripeApiBase` puts something between it and stripe-mock (test/helpers/stripe-fault-proxy.ts).
 */
export async function startApiInstance(env: Record<string, string> = {}, options: { stripeApiBase?: string } = {}): Promise<ApiInstance> {
  const stack = readStackInfo();
  const config = loadConfig({ ...process.env, DATA_DIR: stack.dataDir, PORT: '0', LOG_LEVEL: 'silent', ...env }, 'embedded');
  const deps = await buildDeps(config, {
    databaseUrl: stack.databaseUrl,
    temporalAddress: stack.temporalAddress,
    stripeApiBase: options.stripeApiBase ?? stack.stripeApiBase,
    adminApiKey: stack.adminApiKey,
    webhookSecret: stack.webhookSecret,
  });
  const httpApp = createHttpApp(deps);
  const server = http.createServer(httpApp.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    http: httpApp,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await httpApp.close();
      await closeDeps(deps);
    },
  };
}
