import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { startBatchedSweep, type BatchedSweep } from '../db/batched-sweep';

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

/** The worker's periodic retention sweep of the outbox (src/db/batched-sweep.ts). */
export type EventRetentionSweep = BatchedSweep;

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
  return startBatchedSweep({
    name: 'webhooks: event retention sweep',
    step: (batch) => deleteExpiredEvents(db, { retentionDays: settings.retentionDays, batch }),
    batch: settings.batch,
    intervalMs: settings.intervalMs,
    log,
  });
}
