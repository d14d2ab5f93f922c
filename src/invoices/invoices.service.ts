import type { Knex } from 'knex';
import { recordEvent } from '../outgoing-webhooks/record-event';
import { findAccount } from '../accounts/accounts.queries';
import { buyerTypeOf } from '../billing-profile/billing-profile.service';
import { findBillingProfile } from '../billing-profile/billing-profile.queries';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { newId, sha256Hex } from '../shared/ids';
import { countryName } from './compute/countries';
import { minorToMajor } from './compute/money';
import { formatDocumentNumber, seriesKeyFor } from './compute/numbering';
import { computeInvoiceAmounts, computeTaxTreatment, type TaxTreatment } from './compute/tax';
import type { InvoiceSettings } from './invoice-settings';
import { issueInvoiceInputSchema, type IssueInvoiceInput } from './issue-invoice.types';
import {
  findCreditNotesFor, findInvoice, findInvoiceBySource, insertDraftOnce, lockInvoice, markFinalized, takeNextSeq,
  type InvoiceRow, type StoredLine,
} from './invoices.queries';
import { buildTaxSnapshot, treatmentOf, type PartySnapshot, type TaxSnapshot } from './tax-snapshot';
import { loadRates } from './tax-rates.service';

type Trx = Knex.Transaction;

/** Validates an issue request; a bad one is a 400-like error that no retry can fix. */
export function parseIssueInput(input: unknown) {
  const parsed = issueInvoiceInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.') || 'input';
  throw new ValidationError(`Invalid invoice request field '${field}': ${issue.message}`, { field });
}

/**
 * Step 1 of issuing: the draft, keyed by its source. Issuing the same source again returns the
 * existing invoice; the same source with a different request is refused (409).
 */
export async function createDraft(db: Knex, raw: IssueInvoiceInput): Promise<InvoiceRow> {
  const input = parseIssueInput(raw);
  const lines: StoredLine[] = input.lines.map((l) => ({
    description: l.description, quantity: l.quantity, unit_amount_minor: l.unitAmountMinor, amount_minor: l.amountMinor,
  }));
  return db.transaction(async (trx) => {
    const taxInclusive = input.taxInclusive ?? (input.correctsInvoiceId ? await originalTaxInclusive(trx, input.correctsInvoiceId) : false);
    const canonical = {
      source: input.source, accountId: input.accountId, kind: input.kind, currency: input.currency, lines,
      paymentReference: input.paymentReference ?? null, correctsInvoiceId: input.correctsInvoiceId ?? null, taxInclusive,
    };
    const requestHash = sha256Hex(JSON.stringify(canonical));
    const existing = await findInvoiceBySource(trx, input.source);
    if (existing) return sameRequestOrConflict(existing, requestHash);
    if (!(await findAccount(trx, input.accountId))) throw new NotFoundError('Account', input.accountId);
    if (input.correctsInvoiceId) await checkCreditFits(trx, input.correctsInvoiceId, input.accountId, input.currency, taxInclusive, lines);
    const row = await insertDraftOnce(trx, {
      id: newId('inv'), account_id: input.accountId, kind: input.kind, source: input.source, request_hash: requestHash,
      currency: input.currency, lines, tax_inclusive: taxInclusive, payment_reference: canonical.paymentReference,
      corrects_invoice_id: canonical.correctsInvoiceId,
    });
    return sameRequestOrConflict(row, requestHash);
  });
}

function sameRequestOrConflict(row: InvoiceRow, requestHash: string): InvoiceRow {
  if (row.request_hash !== requestHash) {
    throw new ConflictError(`Invoice source ${row.source} was already issued with a different request`, { source: row.source, invoice_id: row.id }, 'idempotency_conflict');
  }
  return row;
}

async function originalTaxInclusive(trx: Trx, invoiceId: string): Promise<boolean> {
  const original = await findInvoiceOrThrow(trx, invoiceId);
  return original.tax_inclusive;
}

async function findInvoiceOrThrow(trx: Trx, invoiceId: string): Promise<InvoiceRow> {
  const invoice = await lockInvoice(trx, invoiceId);
  if (!invoice) throw new NotFoundError('Invoice', invoiceId);
  return invoice;
}

/**
 * A credit note corrects a finalized invoice of the same account and currency, on the same tax
 * basis, and all credit notes together never credit more than the invoice's lines. The original's
 * row lock serialises concurrent credit notes of one invoice.
 */
async function checkCreditFits(trx: Trx, invoiceId: string, accountId: string, currency: string, taxInclusive: boolean, lines: StoredLine[]): Promise<void> {
  const original = await findInvoiceOrThrow(trx, invoiceId);
  if (original.account_id !== accountId) throw new NotFoundError('Invoice', invoiceId);
  if (original.kind !== 'invoice' || original.status !== 'finalized') {
    throw new ConflictError(`Only a finalized invoice can be credited; ${invoiceId} is a ${original.status} ${original.kind}`, { field: 'correctsInvoiceId' });
  }
  if (original.currency !== currency) throw new ValidationError(`A credit note must be in the invoice's currency (${original.currency})`, { field: 'currency' });
  if (original.tax_inclusive !== taxInclusive) throw new ValidationError('A credit note must use the tax basis of its invoice', { field: 'taxInclusive' });
  const sum = (ls: StoredLine[]) => ls.reduce((acc, l) => acc + BigInt(l.amount_minor), 0n);
  const credited = (await findCreditNotesFor(trx, invoiceId)).reduce((acc, note) => acc + sum(note.lines), 0n);
  const available = sum(original.lines) - credited;
  if (sum(lines) > available) {
    throw new ConflictError(`The credit exceeds what is left to credit on invoice ${original.number}`, {
      field: 'lines', invoice_id: invoiceId, available_minor: available.toString(),
    }, 'credit_exceeds_invoice');
  }
}

/**
 * Step 2: freezes the tax snapshot, computes the totals and takes the next number of the series,
 * all inside the caller's transaction: if it rolls back, the number was never taken. Idempotent:
 * a finalized invoice is returned as it is.
 */
export async function finalizeDraft(trx: Trx, settings: InvoiceSettings, invoiceId: string, now: Date = new Date()): Promise<InvoiceRow> {
  const invoice = await findInvoiceOrThrow(trx, invoiceId);
  if (invoice.status === 'finalized') return invoice;

  const parties = invoice.corrects_invoice_id
    ? await creditNoteParties(trx, invoice.corrects_invoice_id)
    : await invoiceParties(trx, settings, invoice.account_id);
  const amounts = computeInvoiceAmounts(invoice.lines.map((l) => BigInt(l.amount_minor)), parties.treatment.rateBp, invoice.tax_inclusive);
  const taxSnapshot = buildTaxSnapshot({ ...parties, amounts, taxInclusive: invoice.tax_inclusive, currency: invoice.currency });

  // Last, so the series row stays locked for as short a time as possible.
  const format = invoice.kind === 'invoice' ? settings.invoiceNumberFormat : settings.creditNoteNumberFormat;
  const series = seriesKeyFor(format, now);
  const seq = await takeNextSeq(trx, series);
  const number = formatDocumentNumber(format, now, seq);
  const fields = { series, seq, number, ...amounts, taxSnapshot, issuedAt: now };
  if ((await markFinalized(trx, invoice.id, fields)) !== 1) throw new Error(`invoice ${invoice.id} left draft while locked`);
  await recordEvent(trx, {
    type: 'invoice.finalized',
    accountId: invoice.account_id,
    data: { invoice_id: invoice.id, number, kind: invoice.kind, total: minorToMajor(amounts.totalMinor, invoice.currency), currency: invoice.currency },
  });
  return {
    ...invoice, status: 'finalized', series, seq: seq.toString(), number,
    subtotal_minor: amounts.subtotalMinor.toString(), tax_minor: amounts.taxMinor.toString(), total_minor: amounts.totalMinor.toString(),
    tax_snapshot: taxSnapshot, issued_at: now,
  };
}

/** finalizeDraft in its own transaction. */
export function finalizeInvoice(db: Knex, settings: InvoiceSettings, invoiceId: string, now?: Date): Promise<InvoiceRow> {
  return db.transaction((trx) => finalizeDraft(trx, settings, invoiceId, now));
}

interface Parties {
  seller: PartySnapshot;
  buyer: PartySnapshot & { type: 'business' | 'consumer' };
  treatment: TaxTreatment;
  correctsInvoiceNumber: string | null;
}

/** An invoice: today's billing profile, today's rates and the configured seller. */
async function invoiceParties(trx: Trx, settings: InvoiceSettings, accountId: string): Promise<Parties> {
  const profile = await findBillingProfile(trx, accountId);
  const account = profile ? null : await findAccount(trx, accountId);
  const buyer: Parties['buyer'] = profile
    ? {
        name: profile.legal_name, email: profile.email, tax_id: profile.tax_id, type: buyerTypeOf(profile),
        address: {
          line1: profile.address_line1, line2: profile.address_line2, city: profile.city, postal_code: profile.postal_code,
          country: profile.country, country_name: countryName(profile.country),
        },
      }
    : { name: account?.name ?? accountId, email: account?.email ?? null, tax_id: null, type: 'consumer', address: null };
  const sellerCountry = settings.seller.address!.country;
  const buyerCountry = buyer.address?.country ?? null;
  const rates = await loadRates(trx, [sellerCountry, buyerCountry]);
  const treatment = computeTaxTreatment({ sellerCountry, buyerCountry, buyerType: buyer.type, buyerTaxId: buyer.tax_id }, (c) => rates.get(c));
  return { seller: settings.seller, buyer, treatment, correctsInvoiceNumber: null };
}

/** A credit note: the parties and treatment frozen on the invoice it corrects. */
async function creditNoteParties(trx: Trx, originalId: string): Promise<Parties> {
  // No lock: a finalized invoice cannot change (the database refuses it).
  const original = await findInvoice(trx, originalId);
  if (!original || original.status !== 'finalized') throw new Error(`invoice ${originalId} corrected by a credit note is not finalized`);
  const snapshot = original.tax_snapshot as TaxSnapshot;
  return { seller: snapshot.seller, buyer: snapshot.buyer, treatment: treatmentOf(snapshot), correctsInvoiceNumber: original.number };
}
