import type { Db } from '../db/knex';
import type { InboxRow } from './webhook-inbox.queries';

/**
 * Finance ops: the Stripe webhook inbox (every event received, when it was handed on and how it
 * ended), so a stuck or failing event is seen without a database shell. The payload stays out:
 * it can carry customer details and the event id finds it in Stripe's dashboard.
 */
export const INBOX_STATUSES = ['processed', 'pending', 'failing'] as const;

export type InboxListRow = Omit<InboxRow, 'payload' | 'api_version'>;

function statusOf(row: InboxListRow): (typeof INBOX_STATUSES)[number] {
  if (row.processed_at) return 'processed';
  return row.last_error ? 'failing' : 'pending';
}

export const inboxEventView = (row: InboxListRow) => ({
  id: row.id,
  type: row.type,
  purchase_id: row.purchase_id,
  livemode: row.livemode,
  received_at: row.received_at.toISOString(),
  processed_at: row.processed_at?.toISOString() ?? null,
  outcome: row.outcome,
  attempts: row.attempts,
  last_error: row.last_error,
  status: statusOf(row),
});

export async function listInboxEvents(db: Db, filter: { status?: (typeof INBOX_STATUSES)[number]; limit: number; offset: number }) {
  const base = db('stripe_events').modify((query) => {
    if (filter.status === 'processed') query.whereNotNull('processed_at');
    if (filter.status === 'pending') query.whereNull('processed_at').whereNull('last_error');
    if (filter.status === 'failing') query.whereNull('processed_at').whereNotNull('last_error');
  });
  const [rows, counted] = await Promise.all([
    base
      .clone()
      .select('id', 'type', 'purchase_id', 'livemode', 'received_at', 'processed_at', 'outcome', 'attempts', 'last_error')
      .orderBy([{ column: 'received_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(filter.limit)
      .offset(filter.offset),
    base.clone().count<{ n: string }[]>({ n: '*' }),
  ]);
  return { rows: rows as InboxListRow[], total: Number(counted[0]?.n ?? 0) };
}
