import type { Logger } from 'pino';

/**
 * A periodic clean-up the worker runs in the background (passed holds, old outbox events): no
 * timer per row and no workflow, just one cheap statement of at most `batch` rows per step,
 * steps repeated while they find a full batch, then a pause of `intervalMs`. Several workers may
 * sweep at once when each step skips the rows another has locked.
 */
export interface BatchedSweep {
  /** One pass now (steps until one finds less than a full batch); resolves to how many rows it handled. */
  sweepNow(): Promise<number>;
  stop(): Promise<void>;
}

export interface BatchedSweepSpec {
  /** in log lines: what is swept, e.g. `holds: expiry sweep` */
  name: string;
  /** one step: handles at most `batch` rows, resolves to how many it handled */
  step(batch: number): Promise<number>;
  batch: number;
  intervalMs: number;
  log: Logger;
}

export function startBatchedSweep(spec: BatchedSweepSpec): BatchedSweep {
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let failing = false;

  const pass = async (): Promise<number> => {
    let handled = 0;
    for (;;) {
      const step = await spec.step(spec.batch);
      handled += step;
      if (step < spec.batch || stopping) return handled;
    }
  };

  let running: Promise<number> = Promise.resolve(0);
  const runPass = (): Promise<number> => {
    // one pass at a time: a pass asked for during another answers after it, with its own count
    running = running.then(pass, pass);
    return running;
  };

  const tick = async () => {
    timer = null;
    try {
      const handled = await runPass();
      if (handled > 0) spec.log.debug({ handled }, `${spec.name}: pass done`);
      if (failing) spec.log.info(`${spec.name} recovered`);
      failing = false;
    } catch (error) {
      // the database is away: the next tick tries again (what is swept only costs space meanwhile)
      if (!failing) spec.log.warn({ err: error }, `${spec.name} failed; retrying at the next interval`);
      failing = true;
    }
    if (!stopping) {
      timer = setTimeout(() => void tick(), spec.intervalMs);
      timer.unref();
    }
  };
  timer = setTimeout(() => void tick(), 0);
  timer.unref();

  return {
    sweepNow: runPass,
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}
