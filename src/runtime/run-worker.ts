import { Runtime, DefaultLogger } from '@temporalio/worker';
import type { AppDeps } from '../app-deps';
import { connectWorkerConnection, temporalTarget } from '../integrations/temporal/connect';
import { createWorker } from '../worker/create-worker';

export interface RunningWorker {
  stop(): Promise<void>;
  /** Settles when the worker stops; rejects if it crashed. */
  done: Promise<void>;
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

export async function runWorker(deps: AppDeps, temporalAddress: string, taskQueue = deps.config.TEMPORAL_TASK_QUEUE): Promise<RunningWorker> {
  installQuietRuntime();
  const connection = await connectWorkerConnection(temporalTarget(deps.config, temporalAddress));
  const worker = await createWorker({ connection, namespace: deps.config.TEMPORAL_NAMESPACE, taskQueue, deps });
  const done = worker.run().finally(() => connection.close());
  return {
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
