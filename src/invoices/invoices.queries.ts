import type { Db } from '../db/knex';
import type { TaxSnapshot } from './tax-snapshot';

export type InvoiceKind = 'invoice' | 'credit_note';
export type InvoiceStatus = 'draft' | 'finalized';

/** A line as stored (jsonb): amounts are integers in minor units, well inside 2^53. */
export interface StoredLine {
  description: string;
  quantity: number;
  unit_amount_minor: number;
  amount_minor: number;
}

/** bigint columns arrive as strings (see src/db/knex.ts); the mapper turns them into bigint. */
export interface InvoiceRow {
  id: string;
  account_id: string;
  kind: InvoiceKind;
  status: InvoiceStatus;
  source: string;
  request_hash: string;
  currency: string;
  lines: StoredLine[];
  tax_inclusive: boolean;
  payment_reference: string | null;
  corrects_invoice_id: string | null;
  series: string | null;
  seq: string | null;
  number: string | null;
  subtotal_minor: string | null;
  tax_minor: string | null;
  total_minor: string | null;
  tax_snapshot: TaxSnapshot | null;
  issued_at: Date | null;
  created_at: Date;
}

export interface InvoiceListRow extends InvoiceRow {
  pdf_sha256: string | null;
  /** invoice_payments (collection on Stripe Billing): null while nothing was heard */
  collection_status: 'open' | 'paid' | 'payment_failed' | null;
  collection_reference: string | null;
}

export type DraftRow = Pick<InvoiceRow, 'id' | 'account_id' | 'kind' | 'source' | 'request_hash' | 'currency' | 'lines' | 'tax_inclusive' | 'payment_reference' | 'corrects_invoice_id'>;

/** Inserts the draft unless its source exists; returns whichever row holds the source. */
export async function insertDraftOnce(db: Db, draft: DraftRow): Promise<InvoiceRow> {
  await db('invoices')
    .insert({ ...draft, lines: JSON.stringify(draft.lines), status: 'draft' })
    .onConflict('source')
    .ignore();
  return (await findInvoiceBySource(db, draft.source))!;
}

export async function findInvoice(db: Db, id: string): Promise<InvoiceRow | null> {
  return (await db<InvoiceRow>('invoices').where({ id }).first()) ?? null;
}

export async function findInvoiceBySource(db: Db, source: string): Promise<InvoiceRow | null> {
  return (await db<InvoiceRow>('invoices').where({ source }).first()) ?? null;
}

/**
 * Row lock for the finalizing transaction (and for crediting an invoice): concurrent finalizations
 * of one invoice queue here. NO KEY UPDATE, so foreign-key checks of rows pointing at it (its PDF,
 * its credit notes) do not wait.
 */
export async function lockInvoice(db: Db, id: string): Promise<InvoiceRow | null> {
  return (await db<InvoiceRow>('invoices').where({ id }).forNoKeyUpdate().first()) ?? null;
}

/**
 * Takes the next number of a series: one statement that creates the counter row at 1 or advances it
 * by one, and row-locks it until the transaction ends. A rollback undoes the step, so no number is
 * ever lost (a SEQUENCE would lose it).
 */
export async function takeNextSeq(db: Db, series: string): Promise<bigint> {
  const result = await db.raw<{ rows: Array<{ last_seq: string }> }>(
    `insert into invoice_number_series (series, last_seq) values (?, 1)
     on conflict (series) do update set last_seq = invoice_number_series.last_seq + 1, updated_at = now()
     returning last_seq`,
    [series],
  );
  return BigInt(result.rows[0]!.last_seq);
}

export interface FinalizedFields {
  series: string;
  seq: bigint;
  number: string;
  subtotalMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
  taxSnapshot: TaxSnapshot;
  issuedAt: Date;
}

/** draft → finalized, guarded by the status so it happens once; returns the rows changed (0 or 1). */
export async function markFinalized(db: Db, id: string, fields: FinalizedFields): Promise<number> {
  return db('invoices')
    .where({ id, status: 'draft' })
    .update({
      status: 'finalized',
      series: fields.series,
      seq: fields.seq.toString(),
      number: fields.number,
      subtotal_minor: fields.subtotalMinor.toString(),
      tax_minor: fields.taxMinor.toString(),
      total_minor: fields.totalMinor.toString(),
      tax_snapshot: JSON.stringify(fields.taxSnapshot),
      issued_at: fields.issuedAt,
    });
}

/** Credit notes (draft or finalized) that correct an invoice. */
export async function findCreditNotesFor(db: Db, invoiceId: string): Promise<InvoiceRow[]> {
  return db<InvoiceRow>('invoices').where({ corrects_invoice_id: invoiceId }).orderBy('created_at');
}

export interface InvoiceDocumentRow {
  invoice_id: string;
  content: Buffer;
  sha256: string;
  byte_size: number;
  created_at: Date;
}

export async function findDocument(db: Db, invoiceId: string): Promise<InvoiceDocumentRow | null> {
  return (await db<InvoiceDocumentRow>('invoice_documents').where({ invoice_id: invoiceId }).first()) ?? null;
}

/** Insert-only: a second render of the same invoice keeps the first stored bytes. */
export async function insertDocumentOnce(db: Db, row: { invoice_id: string; content: Buffer; sha256: string }): Promise<void> {
  await db('invoice_documents')
    .insert({ ...row, byte_size: row.content.length })
    .onConflict('invoice_id')
    .ignore();
}

export interface InvoiceFilter {
  id?: string;
  accountId?: string;
  kind?: InvoiceKind;
  status?: InvoiceStatus;
  source?: string;
  issuedFrom?: Date;
  issuedBefore?: Date;
}

function applyFilter(db: Db, filter: InvoiceFilter) {
  const query = db('invoices');
  if (filter.id) query.where('invoices.id', filter.id);
  if (filter.accountId) query.where('invoices.account_id', filter.accountId);
  if (filter.kind) query.where('invoices.kind', filter.kind);
  if (filter.status) query.where('invoices.status', filter.status);
  if (filter.source) query.where('invoices.source', filter.source);
  if (filter.issuedFrom) query.where('invoices.issued_at', '>=', filter.issuedFrom);
  if (filter.issuedBefore) query.where('invoices.issued_at', '<', filter.issuedBefore);
  return query;
}

export async function listInvoiceRows(db: Db, filter: InvoiceFilter, page: { limit: number; offset: number }): Promise<{ rows: InvoiceListRow[]; total: number }> {
  const [countRow] = await applyFilter(db, filter).count<Array<{ count: string }>>({ count: '*' });
  const rows = await applyFilter(db, filter)
    .leftJoin('invoice_documents', 'invoice_documents.invoice_id', 'invoices.id')
    .leftJoin('invoice_payments', 'invoice_payments.invoice_id', 'invoices.id')
    .select('invoices.*', 'invoice_documents.sha256 as pdf_sha256', 'invoice_payments.status as collection_status', 'invoice_payments.payment_reference as collection_reference')
    .orderBy([{ column: 'invoices.created_at', order: 'desc' }, { column: 'invoices.id', order: 'desc' }])
    .limit(page.limit)
    .offset(page.offset);
  return { rows: rows as InvoiceListRow[], total: Number(countRow?.count ?? 0) };
}
