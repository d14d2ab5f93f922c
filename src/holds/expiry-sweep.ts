import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { sweepPassedHolds } from './holds.queries';

/**
 * The periodic sweep that marks passed holds `expired`, run by the worker process. A passed hold
 * already reserves nothing (every sum checks `expires_at`), so nothing waits for this: it keeps
 * the holds history honest for accounts nobody lists, and the partial indexes of active holds
 * small. No timer per hold and no workflow: one cheap UPDATE of at most `batch` rows per step,
 * steps repeated while they find a full batch, then a pause. Several workers may sweep at once:
 * each skips the rows another has locked.
 */
export interface HoldExpirySweep {
  /** One pass now (steps until a step finds less than a full batch); resolves to how many it marked. */
  sweepNow(): Promise<number>;
  stop(): Promise<void>;
}

export interface HoldExpirySweepOptions {
  intervalMs: number;
  batch: number;
}

const DEFAULTS: HoldExpirySweepOptions = { intervalMs: 60_000, batch: 1000 };

export function startHoldExpirySweep(db: Knex, log: Logger, overrides: Partial<HoldExpirySweepOptions> = {}): HoldExpirySweep {
  const options = { ...DEFAULTS, ...overrides };
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let failing = false;

  const pass = async (): Promise<number> => {
    let marked = 0;
    for (;;) {
      const step = await sweepPassedHolds(db, options.batch);
      marked += step;
      if (step < options.batch || stopping) return marked;
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
      const marked = await runPass();
      if (marked > 0) log.debug({ marked }, 'holds: passed holds marked expired');
      if (failing) log.info('holds: expiry sweep recovered');
      failing = false;
    } catch (error) {
      // the database is away: the next tick tries again; passed holds reserve nothing meanwhile
      if (!failing) log.warn({ err: error }, 'holds: expiry sweep failed; retrying at the next interval');
      failing = true;
    }
    if (!stopping) {
      timer = setTimeout(() => void tick(), options.intervalMs);
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
