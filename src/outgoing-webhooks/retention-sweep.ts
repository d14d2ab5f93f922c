import type { Knex } from 'knex';
import type { Logger } from 'pino';

/**
 * An event keeps its dedupe key (a threshold per period, an invoice paid) at least this long, even
 * when the retention is shorter: deleting the row frees the key, and a key must outlive the
 * period it names (a month) and Stripe's replays of the event behind it (3 days).
 */
export const DEDUPE_KEY_MIN_DAYS = 62;

/**
 * Deletes at most `batch` events older than `retentionDays` whose deliveries are all finished
 * (delivered or failed; an event no endpoint wanted has none), with their deliveries and, by
 * cascade, their attempt logs: one statement. An event not yet fanned out, or with a pending
 * delivery (a retry, a redelivery), stays. Events are taken with SKIP LOCKED, so the delivery
 * loop's fan-out and a second worker's sweep never wait on it.
 */
export async function deleteExpiredEvents(db: Knex, input: { retentionDays: number; batch: number }): Promise<number> {
  const result = await db.raw(
    `with batch as (
       select e.id from events e
        where e.fanned_out_at is not null
          and e.created_at < now() - make_interval(secs => ?::double precision * 86400)
          and (e.dedupe_key is null or e.created_at < now() - make_interval(days => ?))
          and not exists (select 1 from webhook_deliveries d where d.event_id = e.id and d.status = 'pending')
        order by e.created_at
        limit ?
        for update skip locked
     ), deliveries as (
       delete from webhook_deliveries d using batch b where d.event_id = b.id
     )
     delete from events e using batch b where e.id = b.id`,
    [input.retentionDays, DEDUPE_KEY_MIN_DAYS, input.batch],
  );
  return result.rowCount ?? 0;
}

/** The worker's periodic retention sweep of the outbox (the same shape as the hold-expiry sweep). */
export interface EventRetentionSweep {
  /** One pass now (batches until one finds less than a full batch); resolves to how many events it deleted. */
  sweepNow(): Promise<number>;
  stop(): Promise<void>;
}

export interface EventRetentionSweepOptions {
  retentionDays: number;
  intervalMs: number;
  batch: number;
}

const DEFAULTS = { intervalMs: 10 * 60_000, batch: 1000 };

export function startEventRetentionSweep(
  db: Knex,
  log: Logger,
  options: Pick<EventRetentionSweepOptions, 'retentionDays'> & Partial<EventRetentionSweepOptions>,
): EventRetentionSweep {
  const settings = { ...DEFAULTS, ...options };
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let failing = false;

  const pass = async (): Promise<number> => {
    let deleted = 0;
    for (;;) {
      const step = await deleteExpiredEvents(db, settings);
      deleted += step;
      if (step < settings.batch || stopping) return deleted;
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
      const deleted = await runPass();
      if (deleted > 0) log.debug({ deleted }, 'webhooks: expired events deleted');
      if (failing) log.info('webhooks: event retention sweep recovered');
      failing = false;
    } catch (error) {
      // the database is away: the next tick tries again; old events only cost space meanwhile
      if (!failing) log.warn({ err: error }, 'webhooks: event retention sweep failed; retrying at the next interval');
      failing = true;
    }
    if (!stopping) {
      timer = setTimeout(() => void tick(), settings.intervalMs);
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
