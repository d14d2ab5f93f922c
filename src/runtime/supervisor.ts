import { wakeableSleep } from './wakeable-sleep';

/**
 * Keeps one embedded server running for as long as the stack runs. A server that exits without
 * being asked to (kill -9, OOM killer, a crash) is started again on its data and on the same
 * ports, so the API's and worker's connection strings stay valid and their pools reconnect by
 * themselves. Restarts back off (1 s, 2 s, 4 s … 10 s) and the backoff resets once a run has
 * stayed up for a minute.
 */
export interface SupervisedServer {
  /** Settles when the server exits, with how it ended. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface Supervisor<T extends SupervisedServer> {
  current(): T;
  /** How many times the server was started again. */
  restarts(): number;
  /** Stops the server and never restarts it again, even while a restart is under way. */
  stop(): Promise<void>;
}

const FIRST_DELAY_MS = 1000;
// Low enough that a server is back within seconds of whatever kept it down going away.
const MAX_DELAY_MS = 10_000;
const STABLE_AFTER_MS = 60_000;

export function supervise<T extends SupervisedServer>(
  name: string,
  first: T,
  restart: () => Promise<T>,
  options: { log: (line: string) => void; explainFailure?: (error: unknown) => string | null },
): Supervisor<T> {
  let server = first;
  let stopping = false;
  let restarts = 0;
  const { sleep, wake } = wakeableSleep();

  const watch = async () => {
    let delay = FIRST_DELAY_MS;
    for (;;) {
      const startedAt = Date.now();
      const how = await server.exited;
      if (stopping) return;
      if (Date.now() - startedAt > STABLE_AFTER_MS) delay = FIRST_DELAY_MS;
      // The dead run's stop only releases what it held (log streams); its process is gone.
      await server.stop().catch(() => undefined);
      options.log(`${name} exited unexpectedly (${how}); restarting it on its data in ${delay / 1000} s`);
      for (;;) {
        // A Ctrl-C reaches the servers too: the wait lets the stack's stop begin before we restart.
        await sleep(delay);
        if (stopping) return;
        delay = Math.min(delay * 2, MAX_DELAY_MS);
        try {
          const started = Date.now();
          const next = await restart();
          if (stopping) {
            await next.stop();
            return;
          }
          server = next;
          restarts += 1;
          options.log(`${name} restarted in ${((Date.now() - started) / 1000).toFixed(1)} s (restart ${restarts})`);
          break;
        } catch (error) {
          const reason = options.explainFailure?.(error) ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
          options.log(`${name} could not be restarted: ${reason}; trying again in ${delay / 1000} s`);
        }
      }
    }
  };
  const watching = watch();

  return {
    current: () => server,
    restarts: () => restarts,
    async stop() {
      stopping = true;
      wake();
      // Its exit is what the watch awaits; a restart under way stops what it started.
      await server.stop();
      await watching;
    },
  };
}
