import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { startStack, type Stack } from '../../src/runtime/stack';
import { STACK_FILE_ENV, type TestStackInfo } from './stack-info';

/**
 * Boots the same stack as `npm start` (embedded PostgreSQL, Temporal dev server, stripe-mock,
 * worker, API) once per test run, on free ports in a temporary directory.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'settle-test-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'error', TEMPORAL_SCHEDULES: 'false' }, 'embedded');
  const started = Date.now();
  const stack = await startStack(config, { headlessTemporal: true, log: () => undefined });
  const info: TestStackInfo = {
    apiUrl: stack.apiUrl,
    databaseUrl: stack.databaseUrl,
    temporalAddress: stack.temporalAddress,
    temporalNamespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    stripeApiBase: stack.stripeApiBase!,
    adminApiKey: stack.adminApiKey,
    webhookSecret: stack.webhookSecret,
    dataDir,
  };
  const file = path.join(dataDir, 'stack.json');
  fs.writeFileSync(file, JSON.stringify(info, null, 2));
  process.env[STACK_FILE_ENV] = file;
  (globalThis as { __settleStack?: Stack }).__settleStack = stack;
  process.stdout.write(`\ntest stack up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${stack.apiUrl}\n`);
}
