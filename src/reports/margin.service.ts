import type { Knex } from 'knex';
import { microToCredits } from '../shared/amounts';
import { monthContaining, parsePeriodKey, periodKey } from '../periods/compute/calendar-month';
import { computeMargin } from './compute/margin';
import { marginRows, marginTotals, type MarginGroup, type MarginRow } from './margin.queries';

function marginView(row: MarginRow, priceMicroMinor: bigint) {
  const margin = computeMargin({ credits: BigInt(row.credits), providerCost: BigInt(row.provider_cost) }, priceMicroMinor);
  return {
    calls: row.calls,
    credits: microToCredits(row.credits),
    revenue: microToCredits(margin.revenue), // micro-units of the currency, shown like credits: exactly
    provider_cost: microToCredits(margin.providerCost),
    margin: microToCredits(margin.margin),
    margin_percent: margin.marginPercentHundredths === null ? null : Number(margin.marginPercentHundredths) / 100,
  };
}

/**
 * GET /v1/admin/reports/margin (seed 003's margin control): one calendar month of usage (UTC),
 * grouped by model, provider or account, plus the month's totals.
 */
export async function marginReport(db: Knex, input: { period: string | null; groupBy: MarginGroup; priceMicroMinor: bigint; currency: string }) {
  const period = input.period ? parsePeriodKey(input.period)! : monthContaining(new Date());
  const [rows, totals] = await Promise.all([marginRows(db, input.groupBy, period.start, period.end), marginTotals(db, period.start, period.end)]);
  return {
    period: periodKey(period),
    group_by: input.groupBy,
    currency: input.currency.toUpperCase(),
    data: rows.map((row) => ({ [input.groupBy]: row.key, ...marginView(row, input.priceMicroMinor) })),
    totals: marginView(totals, input.priceMicroMinor),
  };
}
