import type { Db } from '../db/knex';

export interface BillingProfileRow {
  account_id: string;
  legal_name: string;
  email: string;
  address_line1: string;
  address_line2: string | null;
  city: string;
  postal_code: string;
  country: string;
  tax_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export type BillingProfileFields = Omit<BillingProfileRow, 'account_id' | 'created_at' | 'updated_at'>;

export async function findBillingProfile(db: Db, accountId: string): Promise<BillingProfileRow | null> {
  return (await db<BillingProfileRow>('billing_profiles').where({ account_id: accountId }).first()) ?? null;
}

/** Insert or replace the account's profile (PUT semantics); returns the stored row. */
export async function upsertBillingProfile(db: Db, accountId: string, fields: BillingProfileFields): Promise<BillingProfileRow> {
  const [row] = await db('billing_profiles')
    .insert({ account_id: accountId, ...fields })
    .onConflict('account_id')
    .merge({ ...fields, updated_at: db.fn.now() })
    .returning('*');
  return row as BillingProfileRow;
}
