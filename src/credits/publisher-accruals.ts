import type { Knex } from 'knex';
import type { PricedUsage } from '../pricing/compute/price-usage';
import type { CreditPricing } from '../payouts/payout-config';
import { publisherShareCache } from '../payouts/publisher-share-cache';
import { buildUsageAccruals, type PublisherAccrualInsert } from '../payouts/usage-accruals';

/**
 * The publisher revenue-share rows a usage debit accrues, written by `settle_debit_batch` in the
 * debit's own transaction (no per-publisher row is updated, so a popular tool serialises
 * nothing). Null when no line is a publisher's tool. `pricing` comes from the caller's Config.
 */
export async function accrualsFor(
  db: Knex,
  usage: { accountId: string; usageEventId: string; at: Date; priced: PricedUsage },
  pricing: CreditPricing,
): Promise<PublisherAccrualInsert[] | null> {
  const publisherIds = usage.priced.lines.flatMap(({ input }) => (input.kind === 'tool' && input.publisherId ? [input.publisherId] : []));
  if (publisherIds.length === 0) return null;
  const shares = await publisherShareCache(db).getKnowing(publisherIds);
  const rows = buildUsageAccruals({ ...usage, shares, pricing });
  return rows.length > 0 ? rows : null;
}
