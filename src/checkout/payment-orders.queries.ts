import type { Db } from '../db/knex';
import type { Unit } from '../credits/compute/burn-order';
import type { OrderStatus } from './checkout.types';

export interface PaymentOrderRow {
  id: string;
  account_id: string;
  source: 'checkout' | 'manual';
  status: OrderStatus;
  package_id: string | null;
  /** what the order grants; `credits`, `credits_added` and `credits_clawed_back` count in this unit (micro-credits or whole tokens) */
  unit: Unit;
  credits: string;
  amount_due_minor: string;
  /** the saved payment method a direct purchase charges off-session; null = Checkout or manual */
  payment_method: string | null;
  currency: string;
  idempotency_key: string | null;
  request_hash: string | null;
  stripe_customer_id: string | null;
  stripe_session_id: string | null;
  checkout_url: string | null;
  expires_at: Date | null;
  stripe_payment_intent: string | null;
  awaiting_async_payment: boolean;
  payment_reference: string | null;
  paid_event_id: string | null;
  amount_charged_minor: string | null;
  charged_currency: string | null;
  review_reason: string | null;
  failure_reason: string | null;
  credits_added: string;
  grant_id: string | null;
  ledger_entry_id: string | null;
  invoice_id: string | null;
  amount_refunded_minor: string;
  credits_clawed_back: string;
  created_at: Date;
  updated_at: Date;
  settled_at: Date | null;
}

export type NewPaymentOrder = Pick<
  PaymentOrderRow,
  'id' | 'account_id' | 'source' | 'package_id' | 'currency' | 'idempotency_key' | 'request_hash' | 'payment_reference'
> & { credits: bigint; amount_due_minor: bigint; unit?: Unit; payment_method?: string | null };

/** Inserts the order, or returns null when its idempotency key is already taken (by a replay). */
export async function insertPaymentOrder(db: Db, order: NewPaymentOrder): Promise<PaymentOrderRow | null> {
  const query = db<PaymentOrderRow>('payment_orders').insert({
    ...order,
    credits: order.credits.toString(),
    amount_due_minor: order.amount_due_minor.toString(),
    status: 'pending',
  });
  const rows = order.idempotency_key
    ? await query.onConflict(db.raw('(account_id, idempotency_key) where idempotency_key is not null')).ignore().returning('*')
    : await query.returning('*');
  return rows[0] ?? null;
}

export async function findPaymentOrder(db: Db, id: string): Promise<PaymentOrderRow | null> {
  return (await db<PaymentOrderRow>('payment_orders').where({ id }).first()) ?? null;
}

export async function lockPaymentOrder(db: Db, id: string): Promise<PaymentOrderRow | null> {
  return (await db<PaymentOrderRow>('payment_orders').where({ id }).forUpdate().first()) ?? null;
}

export async function findOrderByIdempotencyKey(db: Db, accountId: string, key: string): Promise<PaymentOrderRow | null> {
  return (await db<PaymentOrderRow>('payment_orders').where({ account_id: accountId, idempotency_key: key }).first()) ?? null;
}

export async function findOrderByPaymentIntent(db: Db, paymentIntent: string): Promise<PaymentOrderRow | null> {
  return (await db<PaymentOrderRow>('payment_orders').where({ stripe_payment_intent: paymentIntent }).orderBy('created_at', 'desc').first()) ?? null;
}

/** Guarded update: changes the order only while it is in one of `from`; returns the new row or null. */
export async function updateOrderFrom(
  db: Db,
  id: string,
  from: OrderStatus[],
  changes: Partial<Record<keyof PaymentOrderRow, unknown>>,
): Promise<PaymentOrderRow | null> {
  const [row] = await db<PaymentOrderRow>('payment_orders')
    .where({ id })
    .whereIn('status', from)
    .update({ ...changes, updated_at: db.fn.now() } as never)
    .returning('*');
  return (row as PaymentOrderRow | undefined) ?? null;
}

/** Records the Checkout Session on an order that has none yet (a resumed request keeps the first). */
export async function recordCheckoutSession(
  db: Db,
  id: string,
  session: { stripe_customer_id: string; stripe_session_id: string; checkout_url: string; expires_at: Date },
): Promise<PaymentOrderRow> {
  await db('payment_orders')
    .where({ id })
    .whereNull('checkout_url')
    .update({ ...session, updated_at: db.fn.now() });
  return (await findPaymentOrder(db, id))!;
}

/** Pending checkout orders among these ids: the ones a paid session has not settled yet. */
export async function pendingOrdersAmong(db: Db, ids: string[]): Promise<PaymentOrderRow[]> {
  if (ids.length === 0) return [];
  return db<PaymentOrderRow>('payment_orders').whereIn('id', ids).where({ status: 'pending' });
}
