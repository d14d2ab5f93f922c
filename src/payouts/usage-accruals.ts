import type { PricedUsage } from '../pricing/compute/price-usage';
import { shareDecimal, splitAccrual } from './compute/accrual-split';
import type { AccrualRow } from './accruals.queries';
import type { CreditPricing } from './payout-config';

/**
 * A publisher_accruals row of a usage debit, as JSON for `settle_debit_batch`: every column,
 * since no column default applies there; times as ISO strings.
 */
export type PublisherAccrualInsert = Omit<AccrualRow, 'kind' | 'occurred_at' | 'created_at'> & { kind: 'usage'; occurred_at: string; created_at: string };

/**
 * The publisher_accruals rows of one usage debit, as `settle_debit_batch` inserts them with
 * `jsonb_populate_recordset` (no column defaults apply: every column is here).
 *
 * Which credits count: a tool line's own credits, price per execution × quantity. The agent
 * markup, the 0.01-credit charge rounding and model lines are the platform's. Accruals do not
 * depend on how the debit is funded (included, purchased, promotional credits or overage).
 */
export function buildUsageAccruals(input: {
  usageEventId: string;
  accountId: string;
  at: Date;
  priced: PricedUsage;
  shares: Map<string, bigint>;
  pricing: CreditPricing;
  now?: Date;
}): PublisherAccrualInsert[] {
  const createdAt = (input.now ?? new Date()).toISOString();
  const rows: PublisherAccrualInsert[] = [];
  input.priced.lines.forEach(({ input: line }, position) => {
    if (line.kind !== 'tool' || !line.publisherId) return;
    const share = input.shares.get(line.publisherId);
    if (share === undefined) return; // a tool naming a deleted publisher earns nobody anything
    const credits = line.creditsPerExecution * line.quantity;
    const split = splitAccrual(credits, input.pricing.priceMicroMinor, share);
    rows.push({
      id: `${input.usageEventId}:${position}`,
      kind: 'usage',
      publisher_id: line.publisherId,
      account_id: input.accountId,
      usage_event_id: input.usageEventId,
      position,
      tool: line.tool,
      quantity: line.quantity.toString(),
      credits: credits.toString(),
      unit_price_micro_minor: input.pricing.priceMicroMinor.toString(),
      share: shareDecimal(share),
      currency: input.pricing.currency,
      publisher_exact: split.publisher.toString(),
      platform_exact: split.platform.toString(),
      occurred_at: input.at.toISOString(),
      refund_id: null,
      reverses_id: null,
      grant_id: null,
      payout_id: null,
      created_at: createdAt,
    });
  });
  return rows;
}
