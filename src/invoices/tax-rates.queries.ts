import type { Db } from '../db/knex';

export interface TaxRateRow {
  country: string;
  rate_bp: number;
  name: string;
  updated_at: Date;
}

export async function findTaxRates(db: Db, countries: string[]): Promise<TaxRateRow[]> {
  return countries.length ? db<TaxRateRow>('tax_rates').whereIn('country', countries) : [];
}

export async function listTaxRates(db: Db): Promise<TaxRateRow[]> {
  return db<TaxRateRow>('tax_rates').orderBy('country');
}

export async function upsertTaxRate(db: Db, row: { country: string; rate_bp: number; name: string }): Promise<TaxRateRow> {
  const [stored] = await db('tax_rates')
    .insert(row)
    .onConflict('country')
    .merge({ rate_bp: row.rate_bp, name: row.name, updated_at: db.fn.now() })
    .returning('*');
  return stored as TaxRateRow;
}
