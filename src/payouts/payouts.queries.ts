import type { Db } from '../db/knex';

export const PAYOUT_STATUSES = ['pending', 'paid', 'failed', 'held', 'carried_forward'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export interface PayoutRow {
  id: string;
  publisher_id: string;
  period: string;
  as_of: Date;
  currency: string;
  amount: string;
  carried_exact: string;
  status: PayoutStatus;
  attempts: number;
  idempotency_key: string | null;
  destination: string | null;
  transfer_id: string | null;
  failure_code: string | null;
  failure_reason: string | null;
  paid_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface PublisherRow {
  id: string;
  name: string;
  stripe_account_id: string | null;
  revenue_share: string;
  transfers_enabled: boolean;
  connect_synced_at: Date | null;
  created_at: Date;
}

export async function findPayout(db: Db, id: string): Promise<PayoutRow | null> {
  return (await db<PayoutRow>('payouts').where({ id }).first()) ?? null;
}

export async function lockPayout(db: Db, id: string): Promise<PayoutRow | null> {
  return (await db<PayoutRow>('payouts').where({ id }).forUpdate().first()) ?? null;
}

export async function findPublisher(db: Db, id: string): Promise<PublisherRow | null> {
  return (await db<PublisherRow>('publishers').where({ id }).first()) ?? null;
}

/** Serialises payout preparation per publisher; debits (FOR KEY SHARE via the foreign key) are not blocked. */
export async function lockPublisher(db: Db, id: string): Promise<PublisherRow | null> {
  return (await db<PublisherRow>('publishers').where({ id }).forNoKeyUpdate().first()) ?? null;
}

/** A guarded state change: applies only while the payout is still in `from` (and at `attempt`). */
export async function updatePayoutIf(
  db: Db,
  where: { id: string; status: PayoutStatus | PayoutStatus[]; attempts?: number },
  changes: Partial<Omit<PayoutRow, 'id' | 'created_at'>>,
): Promise<PayoutRow | null> {
  const query = db<PayoutRow>('payouts').where({ id: where.id }).whereIn('status', Array.isArray(where.status) ? where.status : [where.status]);
  if (where.attempts !== undefined) query.where({ attempts: where.attempts });
  const [row] = await query.update({ ...changes, updated_at: new Date() } as never).returning('*');
  return (row as PayoutRow | undefined) ?? null;
}

export async function listPayouts(
  db: Db,
  filter: { status?: PayoutStatus; publisherId?: string; limit: number; offset: number },
): Promise<{ rows: PayoutRow[]; total: number }> {
  const base = () => {
    const query = db<PayoutRow>('payouts');
    if (filter.status) query.where({ status: filter.status });
    if (filter.publisherId) query.where({ publisher_id: filter.publisherId });
    return query;
  };
  const [rows, [count]] = await Promise.all([
    base().select('*').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit).offset(filter.offset),
    base().count<Array<{ count: string }>>({ count: '*' }),
  ]);
  return { rows: rows as PayoutRow[], total: Number(count?.count ?? 0) };
}

export async function insertAttempt(
  db: Db,
  row: { payout_id: string; attempt: number; idempotency_key: string; amount: bigint; destination: string },
): Promise<void> {
  await db('payout_attempts').insert({ ...row, amount: row.amount.toString(), status: 'pending' }).onConflict(['payout_id', 'attempt']).ignore();
}

export async function finishAttempt(
  db: Db,
  key: { payout_id: string; attempt: number },
  outcome: { status: 'paid' | 'failed'; transfer_id?: string; failure_code?: string; failure_reason?: string },
): Promise<void> {
  await db('payout_attempts').where(key).update({ ...outcome, finished_at: new Date() });
}
