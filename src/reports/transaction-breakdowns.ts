import type { Db } from '../db/knex';
import type { LedgerEntryRow } from '../credits/ledger.queries';
import { breakdownFor } from '../credits/provider-costs';
import { storedBreakdowns } from '../credits/usage.queries';

/**
 * Seed 002's transaction history "with a detailed breakdown of each transaction": the lines of
 * every usage entry on a page, read in one query for the whole page (never one per row). A usage
 * entry's reference is its usage event; the lines, rebuilt from its usage_items rows, are the
 * ones answered when it was recorded.
 */
export async function usageBreakdownsOf(db: Db, accountId: string, entries: LedgerEntryRow[]): Promise<Map<string, unknown[]>> {
  const eventIds = entries.flatMap((entry) => (entry.type === 'usage' && entry.reference ? [entry.reference] : []));
  if (eventIds.length === 0) return new Map();
  const breakdowns = await storedBreakdowns(db, accountId, eventIds);
  return new Map([...breakdowns].map(([eventId, lines]) => [eventId, breakdownFor(lines, 'customer')]));
}
