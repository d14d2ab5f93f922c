import fs from 'node:fs';

export const STACK_FILE_ENV = 'SETTLE_TEST_STACK_FILE';

/** Where the stack that global-setup booted can be reached. */
export interface TestStackInfo {
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  stripeApiBase: string;
  adminApiKey: string;
  webhookSecret: string;
  dataDir: string;
}

export function readStackInfo(): TestStackInfo {
  const file = process.env[STACK_FILE_ENV];
  if (!file) throw new Error(`${STACK_FILE_ENV} is not set: run the tests with npm test (jest's global setup boots the stack)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TestStackInfo;
}
