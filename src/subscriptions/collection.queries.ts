import type { Db } from '../db/knex';
import type { InvoiceRow } from '../invoices/invoices.queries';

/**
 * Knex queries of collection: Stripe's invoices as recorded, their pairing with Settle's period
 * invoices, and the payment state of those. Every write is guarded so a replay changes nothing.
 */
export type StripeInvoiceStatus = 'paid' | 'payment_failed';

/** bigint columns arrive as strings (see src/db/knex.ts). */
export interface StripeInvoiceRow {
  id: string;
  account_id: string;
  period: string;
  status: StripeInvoiceStatus;
  stripe_status: string | null;
  currency: string;
  total_minor: string;
  tax_minor: string;
  amount_due_minor: string;
  amount_paid_minor: string;
  billing_reason: string | null;
  stripe_subscription_id: string | null;
  stripe_customer_id: string | null;
  period_start: Date | null;
  period_end: Date | null;
  stripe_created: Date;
  paid_at: Date | null;
  settle_invoice_id: string | null;
  paired_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewStripeInvoice = Omit<StripeInvoiceRow, 'settle_invoice_id' | 'paired_at' | 'created_at' | 'updated_at'>;

/**
 * Inserts the invoice, or moves a recorded one from payment_failed to paid. Nothing else ever
 * changes it: paid is final, and a failure heard after the payment (events arrive out of order)
 * is older news. Returns whether a row was written.
 */
export async function upsertStripeInvoice(db: Db, row: NewStripeInvoice): Promise<boolean> {
  const excluded = (column: string) => db.raw('excluded.??', [column]);
  const written = await db('stripe_invoices')
    .insert(row)
    .onConflict('id')
    .merge({
      status: excluded('status'), stripe_status: excluded('stripe_status'), amount_due_minor: excluded('amount_due_minor'),
      amount_paid_minor: excluded('amount_paid_minor'), paid_at: excluded('paid_at'), updated_at: db.fn.now(),
    })
    .where('stripe_invoices.status', 'payment_failed')
    .whereRaw("excluded.status = 'paid'")
    .returning('id');
  return written.length > 0;
}

export async function findStripeInvoice(db: Db, id: string): Promise<StripeInvoiceRow | null> {
  return (await db<StripeInvoiceRow>('stripe_invoices').where({ id }).first()) ?? null;
}

/** The newest Stripe invoice heard of for the account (what GET /v1/subscription shows as latest_invoice). */
export async function findLatestStripeInvoice(db: Db, accountId: string): Promise<StripeInvoiceRow | null> {
  return (await db<StripeInvoiceRow>('stripe_invoices').where({ account_id: accountId }).orderBy([{ column: 'stripe_created', order: 'desc' }, { column: 'id', order: 'desc' }]).first()) ?? null;
}

/** Stripe invoices of the month that still wait for Settle's invoice; totals of 0 are never compared. */
export async function unpairedStripeInvoices(db: Db, accountId: string, period: string): Promise<StripeInvoiceRow[]> {
  return db<StripeInvoiceRow>('stripe_invoices')
    .where({ account_id: accountId, period })
    .whereNull('settle_invoice_id')
    .whereNot('total_minor', '0')
    .orderBy([{ column: 'stripe_created', order: 'asc' }, { column: 'id', order: 'asc' }]);
}

export const periodInvoiceSource = (accountId: string, period: string) => `period:${accountId}:${period}`;

/** Settle's period invoice of the account and month, once issued (a draft is not yet a document). */
export async function findFinalizedPeriodInvoice(db: Db, accountId: string, period: string): Promise<InvoiceRow | null> {
  const row = await db<InvoiceRow>('invoices')
    .where({ source: periodInvoiceSource(accountId, period), account_id: accountId, kind: 'invoice', status: 'finalized' })
    .first();
  return row ?? null;
}

/** Pairs once: a Stripe invoice already paired keeps its Settle invoice. */
export async function markStripeInvoicePaired(db: Db, stripeInvoiceId: string, settleInvoiceId: string): Promise<void> {
  await db('stripe_invoices')
    .where({ id: stripeInvoiceId })
    .whereNull('settle_invoice_id')
    .update({ settle_invoice_id: settleInvoiceId, paired_at: db.fn.now(), updated_at: db.fn.now() });
}

export type InvoicePaymentStatus = 'open' | 'paid' | 'payment_failed';

export interface InvoicePaymentRow {
  invoice_id: string;
  status: InvoicePaymentStatus;
  payment_reference: string;
  paid_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * Records the payment state of Settle's invoice. Paid is final (a trigger enforces it too); a row
 * that already says the same thing is left alone, so a replay writes nothing.
 */
export async function recordInvoicePayment(
  db: Db,
  payment: { invoiceId: string; status: Exclude<InvoicePaymentStatus, 'open'>; reference: string; paidAt: Date | null },
): Promise<void> {
  await db.raw(
    `insert into invoice_payments (invoice_id, status, payment_reference, paid_at) values (?, ?, ?, ?)
     on conflict (invoice_id) do update set
       status = excluded.status, payment_reference = excluded.payment_reference, paid_at = excluded.paid_at, updated_at = now()
     where invoice_payments.status <> 'paid'
       and (invoice_payments.status, invoice_payments.payment_reference) is distinct from (excluded.status, excluded.payment_reference)`,
    [payment.invoiceId, payment.status, payment.reference, payment.paidAt],
  );
}

export async function findInvoicePayment(db: Db, invoiceId: string): Promise<InvoicePaymentRow | null> {
  return (await db<InvoicePaymentRow>('invoice_payments').where({ invoice_id: invoiceId }).first()) ?? null;
}
