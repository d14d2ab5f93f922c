import type { Db } from '../db/knex';
import { newId } from '../shared/ids';
import type { EventType } from './event-types';

/**
 * Writes one event into the outbox. Call it with the transaction that makes the change the event
 * reports: the event commits with it or not at all, and the delivery workflow picks it up after
 * the commit. `dedupeKey` makes an event that may happen once (per period, per object) a no-op
 * the second time.
 */
export async function recordEvent(
  db: Db,
  event: { type: EventType; accountId: string | null; data: Record<string, unknown>; dedupeKey?: string },
): Promise<void> {
  await db('events')
    .insert({ id: newId('evt'), type: event.type, account_id: event.accountId, payload: JSON.stringify(event.data), dedupe_key: event.dedupeKey ?? null })
    .onConflict('dedupe_key')
    .ignore();
}
