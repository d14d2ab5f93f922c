import type { Db } from '../db/knex';
import { breakdownFromRows, type BreakdownItemRow } from './usage-breakdown';

export interface UsageEventRow {
  id: string;
  account_id: string;
  ledger_entry_id: string;
  agent: string | null;
  task_id: string | null;
  credits_charged: string;
  markup: string;
  rounding: string;
  overage: string;
  balance_after: string;
  provider_cost: string;
  input_tokens: string;
  output_tokens: string;
  cache_write_tokens: string;
  cache_read_tokens: string;
  /** the agent markup asked, in basis points; null when none was (no markup line) */
  markup_bps: number | null;
  occurred_at: Date;
  created_at: Date;
}

/** The usage event a ledger entry charged: the entry itself, read through the usage_events view (by primary key). */
export async function findUsageEventByEntry(db: Db, ledgerEntryId: string): Promise<UsageEventRow | null> {
  return (await db<UsageEventRow>('usage_events').where({ ledger_entry_id: ledgerEntryId }).first()) ?? null;
}

/** `accountId` null: any account's event (the admin's view). */
export async function findUsageEvent(db: Db, accountId: string | null, id: string): Promise<UsageEventRow | null> {
  return (await db<UsageEventRow>('usage_events').where(accountId === null ? { id } : { account_id: accountId, id }).first()) ?? null;
}

type BreakdownSourceRow = BreakdownItemRow & { usage_event_id: string; markup_bps: number | null; event_markup: string; event_rounding: string; uncaptured: string | null };

/**
 * The breakdowns of the account's usage events (`accountId` null: any account's), rebuilt from
 * their usage_items rows, in one query however many events: the event's markup and rounding
 * ride along on each of its lines, and a capped capture's hold brings its uncaptured amount.
 */
export async function storedBreakdowns(db: Db, accountId: string | null, eventIds: string[]): Promise<Map<string, unknown[]>> {
  if (eventIds.length === 0) return new Map();
  const query = db('usage_items as i')
    .join('usage_events as e', 'e.id', 'i.usage_event_id')
    .leftJoin('holds as h', 'h.capture_entry_id', 'e.ledger_entry_id')
    .whereIn('i.usage_event_id', eventIds)
    .select('i.*', 'e.markup_bps', 'e.markup as event_markup', 'e.rounding as event_rounding', 'h.uncaptured');
  if (accountId !== null) query.where('e.account_id', accountId);
  const rows = (await query) as BreakdownSourceRow[];
  const byEvent = new Map<string, BreakdownSourceRow[]>();
  for (const row of rows) {
    const items = byEvent.get(row.usage_event_id);
    if (items) items.push(row);
    else byEvent.set(row.usage_event_id, [row]);
  }
  return new Map(
    [...byEvent].map(([eventId, items]) => {
      const { markup_bps, event_markup, event_rounding, uncaptured } = items[0]!;
      return [eventId, breakdownFromRows({ markup_bps, markup: event_markup, rounding: event_rounding }, items, { uncaptured: BigInt(uncaptured ?? 0) })];
    }),
  );
}

/** One event's breakdown, as answered when it was recorded. */
export async function storedBreakdownOf(db: Db, event: Pick<UsageEventRow, 'id' | 'account_id'>): Promise<unknown[]> {
  return (await storedBreakdowns(db, event.account_id, [event.id])).get(event.id) ?? [];
}
