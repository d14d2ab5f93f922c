import type { Knex } from 'knex';
import type { PricedUsage } from '../pricing/compute/price-usage';

/**
 * The publisher revenue-share rows a usage debit accrues, written by `settle_debit` in the
 * debit's own transaction. Null while no tool has a publisher share to accrue.
 */
export async function accrualsFor(
  _db: Knex,
  _usage: { accountId: string; usageEventId: string; at: Date; priced: PricedUsage },
): Promise<Array<Record<string, unknown>> | null> {
  return null;
}
