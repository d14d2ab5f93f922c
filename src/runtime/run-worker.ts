import { Runtime, DefaultLogger, type NativeConnection, type Worker } from '@temporalio/worker';
import type { AppDeps } from '../app-deps';
import { connectWorkerConnection, temporalTarget } from '../integrations/temporal/connect';
import { createWorker } from '../worker/create-worker';
import { startHoldExpirySweep } from '../holds/expiry-sweep';
import { startEventRetentionSweep } from '../outgoing-webhooks/retention-sweep';
import { startUsageRollupSweep } from '../credits/usage-rollup-sweep';
import { wakeableSleep } from './wakeable-sleep';
import { slotsOf, type WorkerSlots } from '../observability/worker-slots';

export interface RunningWorker {
  stop(): Promise<void>;
  /** Settles when the worker is stopped; it only rejects if a stop itself failed. */
  done: Promise<void>;
  /** How many times the worker was created again after its connection died. */
  restarts(): number;
  /** The current worker's slots and pollers, for /metrics. */
  status(): WorkerSlots;
}

let runtimeInstalled = false;
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // a runtime already exists (another worker in this process installed it): keep it
  }
}

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;

/**
 * The Temporal worker, kept polling for as long as the process runs. When Temporal goes away
 * the worker's `run()` rejects (its pollers give up) and a worker cannot be run twice, so a new
 * connection and worker are created, with backoff, until Temporal answers again. The first
 * start is not retried: a wrong address at start-up should fail loudly.
 */
export async function runWorker(deps: AppDeps, temporalAddress: string, taskQueue = deps.config.TEMPORAL_TASK_QUEUE): Promise<RunningWorker> {
  installQuietRuntime();
  const target = temporalTarget(deps.config, temporalAddress);
  const start = async (): Promise<{ worker: Worker; connection: NativeConnection }> => {
    const connection = await connectWorkerConnection(target);
    try {
      return { worker: await createWorker({ connection, namespace: deps.config.TEMPORAL_NAMESPACE, taskQueue, deps }), connection };
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  };
  let current = await start();
  let stopping = false;
  let restarts = 0;
  const { sleep, wake } = wakeableSleep();

  const keepRunning = async () => {
    for (;;) {
      const ran = await current.worker.run().then(
        () => null,
        (error: unknown) => error,
      );
      await current.connection.close().catch(() => undefined);
      if (stopping) return;
      deps.log.warn({ err: ran }, 'Temporal worker stopped unexpectedly; creating a new one when Temporal answers');
      for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
        await sleep(delay);
        if (stopping) return;
        try {
          current = await start();
          if (stopping) {
            await current.connection.close().catch(() => undefined);
            return;
          }
          restarts += 1;
          deps.log.warn({ restarts }, 'Temporal worker polling again');
          break;
        } catch (error) {
          deps.log.debug({ err: error }, 'Temporal still unreachable for the worker');
        }
      }
    }
  };
  const done = keepRunning();
  // Passed holds are marked expired by this worker process's periodic sweep (issue 18).
  const holdSweep = startHoldExpirySweep(deps.db, deps.log);
  // Finished outgoing webhook events older than the retention go, with their delivery log (issue 12).
  const eventRetention = startEventRetentionSweep(deps.db, deps.log, { retentionDays: deps.config.WEBHOOK_EVENT_RETENTION_DAYS });
  // Usage is added to the daily rollup the reports read (issue 14).
  const usageRollup = startUsageRollupSweep(deps.db, deps.log);
  return {
    done,
    restarts: () => restarts,
    status: () => slotsOf(current.worker),
    async stop() {
      stopping = true;
      wake();
      await holdSweep.stop();
      await eventRetention.stop();
      await usageRollup.stop();
      if (current.worker.getState() === 'RUNNING') current.worker.shutdown();
      await done;
    },
  };
}
