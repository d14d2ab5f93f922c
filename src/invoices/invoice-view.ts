import { minorToMajor } from './compute/money';
import type { InvoiceListRow } from './invoices.queries';
import type { TaxSnapshot } from './tax-snapshot';

function taxSnapshotView(snapshot: TaxSnapshot) {
  const money = (minor: number) => minorToMajor(minor, snapshot.currency);
  return {
    seller: snapshot.seller,
    buyer: snapshot.buyer,
    seller_country: snapshot.seller_country,
    buyer_country: snapshot.buyer_country,
    buyer_type: snapshot.buyer_type,
    tax_id: snapshot.tax_id,
    rule: snapshot.rule,
    rate: snapshot.rate_bp / 10_000,
    rate_bp: snapshot.rate_bp,
    rate_name: snapshot.rate_name,
    tax_country: snapshot.tax_country,
    note: snapshot.note,
    tax_inclusive: snapshot.tax_inclusive,
    currency: snapshot.currency,
    taxable_amount: money(snapshot.taxable_amount_minor),
    tax_amount: money(snapshot.tax_amount_minor),
    total: money(snapshot.total_minor),
    corrects_invoice_number: snapshot.corrects_invoice_number,
    rounding: snapshot.rounding,
  };
}

/**
 * Whether the invoice is paid, and by what. A purchase's invoice was paid at checkout (its
 * reference is the payment's). Other invoices (the period invoices of the close) are open until
 * Stripe's invoice for that month is paid: then the Stripe invoice id is the reference; before
 * that, the reference printed on the document. Drafts and credit notes have no payment status.
 */
function paymentOf(row: InvoiceListRow): { payment_status: 'open' | 'paid' | 'payment_failed' | null; payment_reference: string | null } {
  if (row.kind !== 'invoice' || row.status !== 'finalized') return { payment_status: null, payment_reference: row.payment_reference };
  if (row.source.startsWith('purchase:')) return { payment_status: 'paid', payment_reference: row.payment_reference };
  return { payment_status: row.collection_status ?? 'open', payment_reference: row.collection_reference ?? row.payment_reference };
}

/** The invoice as API.md shows it: money in major units (exact), plus a few added fields. */
export function invoiceView(row: InvoiceListRow) {
  const money = (minor: string | number | null) => (minor === null ? null : minorToMajor(BigInt(minor), row.currency));
  const snapshot = row.tax_snapshot;
  return {
    id: row.id,
    number: row.number,
    kind: row.kind,
    status: row.status,
    issued_at: row.issued_at?.toISOString() ?? null,
    currency: row.currency,
    lines: row.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unit_amount: money(line.unit_amount_minor),
      amount: money(line.amount_minor),
    })),
    subtotal: money(row.subtotal_minor),
    tax: money(row.tax_minor),
    total: money(row.total_minor),
    tax_lines: snapshot
      ? [{ name: snapshot.rate_name, rate: snapshot.rate_bp / 10_000, country: snapshot.tax_country, rule: snapshot.rule, taxable_amount: money(snapshot.taxable_amount_minor), amount: money(snapshot.tax_amount_minor), note: snapshot.note }]
      : [],
    tax_snapshot: snapshot ? taxSnapshotView(snapshot) : null,
    source: row.source,
    pdf_sha256: row.pdf_sha256,
    pdf_url: row.status === 'finalized' ? `/v1/invoices/${row.id}/pdf` : null,
    account_id: row.account_id,
    tax_inclusive: row.tax_inclusive,
    ...paymentOf(row),
    corrects_invoice_id: row.corrects_invoice_id,
    created_at: row.created_at.toISOString(),
  };
}

export type InvoiceView = ReturnType<typeof invoiceView>;
