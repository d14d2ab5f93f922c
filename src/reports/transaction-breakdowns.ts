import type { Db } from '../db/knex';
import type { LedgerEntryRow } from '../credits/ledger.queries';
import { breakdownFor } from '../credits/provider-costs';

/**
 * Seed 002's transaction history "with a detailed breakdown of each transaction": the lines of
 * every usage entry on a page, read in one query for the whole page (never one per row). A usage
 * entry's reference is its usage event; the lines are the ones answered when it was recorded.
 */
export async function usageBreakdownsOf(db: Db, accountId: string, entries: LedgerEntryRow[]): Promise<Map<string, unknown[]>> {
  const eventIds = entries.flatMap((entry) => (entry.type === 'usage' && entry.reference ? [entry.reference] : []));
  if (eventIds.length === 0) return new Map();
  const rows = (await db('usage_events').where({ account_id: accountId }).whereIn('id', eventIds).select('id', 'breakdown')) as Array<{ id: string; breakdown: unknown[] }>;
  return new Map(rows.map((row) => [row.id, breakdownFor(row.breakdown, 'customer')]));
}
