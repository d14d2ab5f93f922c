import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createDb } from '../../src/db/knex';
import { createStripe } from '../../src/integrations/stripe/client';
import { testConfig } from './payout-harness';
import { readStackInfo } from './stack-info';

/**
 * A payout worker in a process of its own, so a test can kill it with SIGKILL in the middle of a
 * payout (no graceful shutdown, no activity completion reported). Arguments: task queue, Stripe
 * (proxy) URL, path of a prebuilt workflow bundle. Prints `ready` once polling.
 */
async function main(): Promise<void> {
  const [taskQueue, stripeUrl, codePath] = process.argv.slice(2) as [string, string, string];
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const stack = readStackInfo();
  const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
  const db = createDb(stack.databaseUrl, 5);
  const connection = await NativeConnection.connect({ address: stack.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: { codePath },
    activities: createActivities({ config, db, stripe: createStripe({ apiBase: stripeUrl }) }),
  });
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
}

main().catch((error: unknown) => {
  process.stderr.write(`payout worker process failed: ${String(error)}\n`);
  process.exit(1);
});
