import type { Db } from '../db/knex';
import { usageSums } from '../credits/usage-rollup-reads';

export type MarginGroup = 'model' | 'provider' | 'account';

export interface MarginRow {
  key: string;
  calls: number;
  credits: string;
  provider_cost: string;
}

/**
 * Usage in [from, to) summed per group. Models and providers are read from the priced lines
 * (model lines only: a tool line or an agent run's markup has no model provider); accounts from
 * the events, so their credits are everything they were charged. Served from the daily rollup
 * plus the rows not rolled up yet (src/credits/usage-rollup-reads.ts).
 */
export async function marginRows(db: Db, groupBy: MarginGroup, from: Date, to: Date): Promise<MarginRow[]> {
  const rows = await usageSums(db, {
    ...(groupBy === 'account' ? { source: 'events' as const } : { source: 'lines' as const, kind: 'model' as const }),
    accountId: null, from, to, groupBy, sums: ['lines', 'credits', 'provider_cost'], orderBy: 'key',
  });
  return rows.map(marginRow);
}

/** Everything charged in [from, to), tools, markup and rounding included. */
export async function marginTotals(db: Db, from: Date, to: Date): Promise<MarginRow> {
  const [row] = await usageSums(db, { source: 'events', accountId: null, from, to, groupBy: null, sums: ['lines', 'credits', 'provider_cost'] });
  return marginRow({ ...row!, key: 'total' });
}

function marginRow(row: { key: string; lines: string; credits: string; provider_cost: string }): MarginRow {
  return { key: row.key, calls: Number(row.lines), credits: row.credits, provider_cost: row.provider_cost };
}
