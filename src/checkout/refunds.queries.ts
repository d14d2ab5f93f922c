import type { Db } from '../db/knex';

export type RefundStatus = 'requested' | 'submitted' | 'succeeded' | 'applied' | 'failed';

export interface RefundRow {
  id: string;
  purchase_id: string;
  account_id: string;
  origin: 'admin' | 'stripe';
  status: RefundStatus;
  requested_amount_minor: string | null;
  amount_minor: string;
  currency: string;
  stripe_refund_id: string | null;
  stripe_charge_id: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  event_id: string | null;
  credits_entitled: string;
  credits_clawed_back: string;
  credits_unrecoverable: string;
  ledger_entry_id: string | null;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
  applied_at: Date | null;
}

export type NewRefund = Pick<
  RefundRow,
  'id' | 'purchase_id' | 'account_id' | 'origin' | 'status' | 'currency' | 'stripe_refund_id' | 'stripe_charge_id' | 'idempotency_key' | 'request_hash' | 'event_id'
> & { amount_minor: bigint; requested_amount_minor: bigint | null };

export async function insertRefund(db: Db, refund: NewRefund): Promise<RefundRow | null> {
  const rows = await db<RefundRow>('refunds')
    .insert({
      ...refund,
      amount_minor: refund.amount_minor.toString(),
      requested_amount_minor: refund.requested_amount_minor?.toString() ?? null,
    })
    .onConflict()
    .ignore()
    .returning('*');
  return rows[0] ?? null;
}

export async function findRefund(db: Db, id: string): Promise<RefundRow | null> {
  return (await db<RefundRow>('refunds').where({ id }).first()) ?? null;
}

export async function lockRefund(db: Db, id: string): Promise<RefundRow | null> {
  return (await db<RefundRow>('refunds').where({ id }).forUpdate().first()) ?? null;
}

export async function findRefundByIdempotencyKey(db: Db, purchaseId: string, key: string): Promise<RefundRow | null> {
  return (await db<RefundRow>('refunds').where({ purchase_id: purchaseId, idempotency_key: key }).first()) ?? null;
}

export async function findStripeOriginRefund(db: Db, stripeRefundId: string): Promise<RefundRow | null> {
  return (await db<RefundRow>('refunds').where({ stripe_refund_id: stripeRefundId, origin: 'stripe' }).first()) ?? null;
}

export async function listRefundsOfPurchase(db: Db, purchaseId: string): Promise<RefundRow[]> {
  return db<RefundRow>('refunds').where({ purchase_id: purchaseId }).orderBy('created_at');
}

/** Σ amount of refunds of the purchase in these statuses, minor units. */
export async function sumRefunds(db: Db, purchaseId: string, statuses: RefundStatus[]): Promise<bigint> {
  const row = await db('refunds').where({ purchase_id: purchaseId }).whereIn('status', statuses).sum({ total: 'amount_minor' }).first();
  return BigInt((row?.total as string | null) ?? 0);
}

export async function updateRefundFrom(
  db: Db,
  id: string,
  from: RefundStatus[],
  changes: Partial<Record<keyof RefundRow, unknown>>,
): Promise<RefundRow | null> {
  const [row] = await db<RefundRow>('refunds')
    .where({ id })
    .whereIn('status', from)
    .update({ ...changes, updated_at: db.fn.now() } as never)
    .returning('*');
  return (row as RefundRow | undefined) ?? null;
}
