import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { TaxRate } from './compute/tax';
import { findTaxRates, listTaxRates, upsertTaxRate, type TaxRateRow } from './tax-rates.queries';

/** Sets a country's rate; invoices already finalized keep the rate frozen in their snapshot. */
export function putTaxRate(db: Knex, country: string, rateBp: number, name: string): Promise<TaxRateRow> {
  return upsertTaxRate(db, { country, rate_bp: rateBp, name });
}

export { listTaxRates };

/** The rates a tax treatment may need (seller's and buyer's country), read once in the finalizing transaction. */
export async function loadRates(db: Db, countries: Array<string | null>): Promise<Map<string, TaxRate>> {
  const wanted = [...new Set(countries.filter((c): c is string => c !== null))];
  return new Map((await findTaxRates(db, wanted)).map((row): [string, TaxRate] => [row.country, { rateBp: row.rate_bp, name: row.name }]));
}

/** Rate as the API shows it: a decimal fraction, 1900 bp → 0.19 (exact: bp / 10000 is correctly rounded). */
export function taxRateView(row: TaxRateRow) {
  return { country: row.country, rate: row.rate_bp / 10_000, rate_bp: row.rate_bp, name: row.name, updated_at: row.updated_at.toISOString() };
}
