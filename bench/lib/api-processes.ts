import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/runtime/free-port';
import type { Stack } from '../../src/runtime/stack';

/**
 * `npm run api` with API_PROCESSES children, against a bench stack's services: how the API is
 * deployed to use every core of a machine. Resolves once /healthz answers.
 */
export async function startApiProcesses(stack: Stack, processes: number): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../src/api.ts')], {
    env: {
      ...process.env,
      PORT: String(port),
      API_PROCESSES: String(processes),
      DATABASE_URL: stack.databaseUrl,
      DATABASE_POOL_MAX: '20',
      TEMPORAL_ADDRESS: stack.temporalAddress,
      ADMIN_API_KEY: stack.adminApiKey,
      STRIPE_API_BASE: stack.stripeApiBase ?? '',
      STRIPE_WEBHOOK_SECRET: stack.webhookSecret,
      LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      if (i > 300) throw new Error('the API processes did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
