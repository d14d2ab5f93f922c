import type { Db } from '../db/knex';

export interface InboxRow {
  id: string;
  type: string;
  api_version: string | null;
  livemode: boolean;
  payload: unknown;
  purchase_id: string | null;
  received_at: Date;
  processed_at: Date | null;
  outcome: string | null;
  attempts: number;
  last_error: string | null;
}

/** The durable insert the webhook answers after. False: this event id was already received. */
export async function insertInboxEvent(
  db: Db,
  event: { id: string; type: string; api_version: string | null; livemode: boolean; payload: string; purchase_id: string | null },
): Promise<boolean> {
  const rows = await db('stripe_events')
    .insert({ ...event, payload: db.raw('?::jsonb', [event.payload]) })
    .onConflict('id')
    .ignore()
    .returning('id');
  return rows.length === 1;
}

export async function findInboxEvent(db: Db, id: string): Promise<InboxRow | null> {
  return (await db<InboxRow>('stripe_events').where({ id }).first()) ?? null;
}

/** Marks the event dispatched once; a concurrent second dispatch changes nothing. */
export async function markInboxProcessed(db: Db, id: string, outcome: string): Promise<boolean> {
  const count = await db('stripe_events')
    .where({ id })
    .whereNull('processed_at')
    .update({ processed_at: db.fn.now(), outcome, attempts: db.raw('attempts + 1'), last_error: null });
  return count === 1;
}

export async function recordInboxFailure(db: Db, id: string, error: string): Promise<void> {
  await db('stripe_events')
    .where({ id })
    .whereNull('processed_at')
    .update({ attempts: db.raw('attempts + 1'), last_error: error.slice(0, 2000) });
}

/** Events received before `before` and never dispatched (the API died or Temporal was down). */
export async function listUnprocessedInbox(db: Db, before: Date, limit: number): Promise<InboxRow[]> {
  return db<InboxRow>('stripe_events').whereNull('processed_at').where('received_at', '<', before).orderBy('received_at').limit(limit);
}
