import type { Db } from '../db/knex';

export interface AccrualRow {
  id: string;
  kind: 'usage' | 'reversal' | 'carry_out' | 'carry_in';
  publisher_id: string;
  account_id: string | null;
  usage_event_id: string | null;
  position: number | null;
  tool: string | null;
  quantity: string;
  credits: string;
  unit_price_micro_minor: string;
  share: string;
  currency: string;
  publisher_exact: string;
  platform_exact: string;
  occurred_at: Date;
  refund_id: string | null;
  reverses_id: string | null;
  grant_id: string | null;
  payout_id: string | null;
  created_at: Date;
}

export type NewAccrual = Omit<AccrualRow, 'created_at' | 'occurred_at'> & { occurred_at: Date };

export async function insertAccruals(db: Db, rows: NewAccrual[]): Promise<number> {
  if (rows.length === 0) return 0;
  const now = new Date();
  const inserted = await db('publisher_accruals')
    .insert(rows.map((row) => ({ ...row, created_at: now })))
    .onConflict('id')
    .ignore()
    .returning('id');
  return inserted.length;
}

const unsettled = (db: Db, where: { publisherId: string; currency: string; asOf: Date }) =>
  db('publisher_accruals')
    .where({ publisher_id: where.publisherId, currency: where.currency })
    .whereNull('payout_id')
    .where('occurred_at', '<', where.asOf);

/** Σ publisher_exact of the publisher's unsettled accruals before `asOf`, exact units. */
export async function sumUnsettled(db: Db, where: { publisherId: string; currency: string; asOf: Date }): Promise<bigint> {
  const row = await unsettled(db, where).sum({ total: 'publisher_exact' }).first();
  return BigInt((row?.total as string | null) ?? '0');
}

/** Marks those accruals as settled by the payout; returns Σ of what it marked. */
export async function reserveUnsettled(db: Db, where: { publisherId: string; currency: string; asOf: Date }, payoutId: string): Promise<bigint> {
  const rows: Array<{ publisher_exact: string }> = await unsettled(db, where).update({ payout_id: payoutId }).returning('publisher_exact');
  return rows.reduce((sum, row) => sum + BigInt(row.publisher_exact), 0n);
}

export async function releaseReserved(db: Db, payoutId: string): Promise<void> {
  await db('publisher_accruals').where({ payout_id: payoutId }).update({ payout_id: null });
}
