import { sha256Hex } from '../shared/ids';
import type { Db } from '../db/knex';
import type { MismatchReason } from './compute/mismatch-reasons';

/** A Settle invoice and the Stripe invoice that collected it, whose amounts differ. */
export interface BillingMismatchRow {
  id: string;
  settle_invoice_id: string;
  stripe_invoice_id: string;
  account_id: string;
  period: string;
  currency: string;
  stripe_currency: string;
  settle_total_minor: string;
  settle_tax_minor: string;
  stripe_total_minor: string;
  stripe_tax_minor: string;
  reasons: MismatchReason[];
  detected_at: Date;
  resolved_at: Date | null;
}

export type NewBillingMismatch = Omit<BillingMismatchRow, 'id' | 'detected_at' | 'resolved_at'>;

/** Derived from the pair, so the row of a pair has one id however often it is detected. */
export function billingMismatchId(settleInvoiceId: string, stripeInvoiceId: string): string {
  return `bmm_${sha256Hex(`${settleInvoiceId}:${stripeInvoiceId}`).slice(0, 24)}`;
}

/** One row per pair: a second detection (a replayed event, both sides pairing at once) adds nothing. */
export async function insertMismatchOnce(db: Db, mismatch: NewBillingMismatch): Promise<void> {
  await db('billing_mismatches')
    .insert({ ...mismatch, id: billingMismatchId(mismatch.settle_invoice_id, mismatch.stripe_invoice_id), reasons: JSON.stringify(mismatch.reasons) })
    .onConflict(['settle_invoice_id', 'stripe_invoice_id'])
    .ignore();
}

export interface MismatchFilter {
  accountId?: string;
  period?: string;
  limit: number;
  offset: number;
}

/** Newest first. */
export async function listMismatches(db: Db, filter: MismatchFilter): Promise<{ rows: BillingMismatchRow[]; total: number }> {
  const base = () => {
    const query = db<BillingMismatchRow>('billing_mismatches');
    if (filter.accountId) query.where({ account_id: filter.accountId });
    if (filter.period) query.where({ period: filter.period });
    return query;
  };
  const [rows, [count]] = await Promise.all([
    base().select('*').orderBy([{ column: 'detected_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit).offset(filter.offset),
    base().count<Array<{ count: string }>>({ count: '*' }),
  ]);
  return { rows: rows as BillingMismatchRow[], total: Number(count?.count ?? 0) };
}
