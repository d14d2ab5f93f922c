import { loadConfigOrExit } from '../../src/config/load-or-exit';
import { startStack } from '../../src/runtime/stack';
import { onShutdownSignal } from '../../src/runtime/shutdown';

/**
 * The stack `npm start` runs, in a process of its own, for suites that kill parts of it: prints
 * one `stack {json}` line with its endpoints once up, and every supervisor line as `log …`.
 * SETTLE_EXTERNAL_WORKER=1 leaves the worker out (the chaos suite runs a killable one).
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit('embedded');
  const stack = await startStack(config, {
    headlessTemporal: true,
    inProcessWorker: process.env.SETTLE_EXTERNAL_WORKER !== '1',
    log: (line) => process.stdout.write(`log ${line}\n`),
  });
  onShutdownSignal(() => stack.stop());
  const info = {
    pid: process.pid,
    apiUrl: stack.apiUrl,
    databaseUrl: stack.databaseUrl,
    temporalAddress: stack.temporalAddress,
    temporalNamespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    stripeApiBase: stack.stripeApiBase,
    adminApiKey: stack.adminApiKey,
    webhookSecret: stack.webhookSecret,
    dataDir: config.dataDir,
  };
  process.stdout.write(`stack ${JSON.stringify(info)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`stack failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
