import type { InvoicePdfModel, PdfParty } from '../integrations/pdf/invoice-pdf';
import { formatMoney } from './compute/money';
import { formatRatePercent } from './compute/tax';
import type { InvoiceRow } from './invoices.queries';
import type { PartySnapshot } from './tax-snapshot';

const RULE_LABEL: Record<string, string> = {
  domestic: 'domestic supply',
  reverse_charge: 'reverse charge (EU business customer)',
  eu_consumer: 'EU customer without VAT id: customer country rate',
  configured_rate: 'customer country rate',
  outside_eu: 'outside the scope of EU VAT',
  unknown_location: 'no billing address: seller country rate',
};

function party(heading: string, snapshot: PartySnapshot, taxIdLabel: string): PdfParty {
  const lines: string[] = [];
  if (snapshot.address) {
    lines.push(snapshot.address.line1);
    if (snapshot.address.line2) lines.push(snapshot.address.line2);
    lines.push(`${snapshot.address.postal_code} ${snapshot.address.city}`);
    lines.push(snapshot.address.country_name);
  }
  if (snapshot.tax_id) lines.push(`${taxIdLabel}: ${snapshot.tax_id}`);
  if (snapshot.email) lines.push(snapshot.email);
  return { heading, name: snapshot.name, lines };
}

/** The PDF of a finalized invoice, built from its frozen columns only (never from live tables). */
export function invoicePdfModel(invoice: InvoiceRow): InvoicePdfModel {
  const snapshot = invoice.tax_snapshot;
  if (invoice.status !== 'finalized' || !snapshot || !invoice.number || !invoice.issued_at) {
    throw new Error(`invoice ${invoice.id} is not finalized`);
  }
  const money = (minor: string | number) => formatMoney(BigInt(minor), invoice.currency);
  const isCreditNote = invoice.kind === 'credit_note';
  const issueDate = invoice.issued_at.toISOString().slice(0, 10);
  const meta: Array<[string, string]> = [['Date of issue', issueDate]];
  if (snapshot.corrects_invoice_number) meta.push(['Corrects invoice', snapshot.corrects_invoice_number]);
  if (invoice.payment_reference) meta.push(['Payment reference', invoice.payment_reference]);
  meta.push(['Currency', invoice.currency.toUpperCase()]);

  const rate = formatRatePercent(snapshot.rate_bp);
  const taxLabel = `${snapshot.rate_name} ${rate}%${snapshot.tax_country ? ` (${snapshot.tax_country})` : ''}${snapshot.rule === 'reverse_charge' ? ' reverse charge' : ''}`;
  const notes: string[] = [];
  if (snapshot.note) notes.push(snapshot.note);
  notes.push(`Tax treatment: ${snapshot.rule} (${RULE_LABEL[snapshot.rule] ?? snapshot.rule}); tax rounded half-up on the tax line.`);
  if (snapshot.tax_inclusive) notes.push('Amounts include tax; the tax is the part of the total shown on the tax line.');
  if (isCreditNote && snapshot.corrects_invoice_number) {
    notes.push(`This credit note corrects invoice ${snapshot.corrects_invoice_number}; the amounts above are credited to the customer.`);
  }

  return {
    title: isCreditNote ? 'Credit note' : 'Invoice',
    number: invoice.number,
    issuedAt: invoice.issued_at,
    seller: party('From', snapshot.seller, 'VAT ID'),
    buyer: party('Bill to', snapshot.buyer, 'Tax ID'),
    meta,
    columns: { quantity: 'Qty', unitPrice: 'Unit price', amount: 'Amount' },
    lines: invoice.lines.map((line) => ({
      description: line.description,
      quantity: String(line.quantity),
      unitPrice: money(line.unit_amount_minor),
      amount: money(line.amount_minor),
    })),
    subtotal: [snapshot.tax_inclusive ? 'Net amount' : 'Subtotal', money(invoice.subtotal_minor!)],
    taxLines: [[taxLabel, money(invoice.tax_minor!)]],
    total: [isCreditNote ? 'Total credited' : 'Total', money(invoice.total_minor!)],
    notes,
  };
}
