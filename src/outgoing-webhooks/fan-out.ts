import type { Knex } from 'knex';

/**
 * Turns new outbox events into deliveries, one per enabled endpoint that wants them (an
 * account's own endpoints, and global ones for every event), and marks the events done: one
 * statement. Events are taken with SKIP LOCKED, so a second delivery loop (a second worker
 * during a deploy) takes other events instead of waiting; an event whose transaction has not
 * committed is not visible yet and is taken by a later round, so none is missed.
 */
export async function fanOutEvents(db: Knex, limit = 1000): Promise<number> {
  const result = await db.raw(
    `with batch as (
       select id, type, account_id from events where fanned_out_at is null order by created_at limit ? for update skip locked
     ), created as (
       insert into webhook_deliveries (id, event_id, endpoint_id, next_attempt_at)
       select 'whd_' || replace(gen_random_uuid()::text, '-', ''), b.id, w.id, now()
         from batch b join webhook_endpoints w
           on w.enabled and (w.account_id is null or w.account_id = b.account_id)
          and (cardinality(w.events) = 0 or b.type = any(w.events))
       on conflict (event_id, endpoint_id) do nothing
     )
     update events e set fanned_out_at = now() from batch b where e.id = b.id`,
    [limit],
  );
  return result.rowCount ?? 0;
}
