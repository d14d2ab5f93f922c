import type { Db } from '../db/knex';

export interface AccountRow {
  id: string;
  name: string;
  email: string | null;
  plan_id: string;
  stripe_customer_id: string | null;
  period_start: Date;
  period_end: Date;
  created_at: Date;
}

export async function insertAccount(db: Db, row: Omit<AccountRow, 'created_at'>): Promise<void> {
  await db('accounts').insert(row);
}

export async function findAccount(db: Db, id: string): Promise<AccountRow | null> {
  return (await db<AccountRow>('accounts').where({ id }).first()) ?? null;
}

export async function insertApiKey(
  db: Db,
  row: { id: string; key_hash: string; prefix: string; role: 'account' | 'publisher'; account_id?: string; publisher_id?: string },
): Promise<void> {
  await db('api_keys').insert(row);
}

export async function revokeApiKey(db: Db, keyId: string): Promise<boolean> {
  const count = await db('api_keys').where({ id: keyId }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  return count > 0;
}

export async function insertPublisher(db: Db, row: { id: string; name: string; stripe_account_id: string | null }): Promise<void> {
  await db('publishers').insert(row);
}
