import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { TaxRate } from './compute/tax';
import { findTaxRate, listTaxRates, upsertTaxRate, type TaxRateRow } from './tax-rates.queries';

/** Sets a country's rate; invoices already finalized keep the rate frozen in their snapshot. */
export function putTaxRate(db: Knex, country: string, rateBp: number, name: string): Promise<TaxRateRow> {
  return upsertTaxRate(db, { country, rate_bp: rateBp, name });
}

export { listTaxRates };

/** The rates a tax treatment may need (seller's and buyer's country), read once in the finalizing transaction. */
export async function loadRates(db: Db, countries: Array<string | null>): Promise<Map<string, TaxRate>> {
  const rates = new Map<string, TaxRate>();
  for (const country of new Set(countries.filter((c): c is string => c !== null))) {
    const row = await findTaxRate(db, country);
    if (row) rates.set(country, { rateBp: row.rate_bp, name: row.name });
  }
  return rates;
}

/** Rate as the API shows it: a decimal fraction, 1900 bp → 0.19 (exact: bp / 10000 is correctly rounded). */
export function taxRateView(row: TaxRateRow) {
  return { country: row.country, rate: row.rate_bp / 10_000, rate_bp: row.rate_bp, name: row.name, updated_at: row.updated_at.toISOString() };
}
