import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../shared/errors';
import type { IssueInvoiceInput } from './issue-invoice.types';
import { findCreditNotesFor, listInvoiceRows, type InvoiceFilter, type InvoiceListRow } from './invoices.queries';
import { voidSource } from './workflow-ids';

/** Who is asking: an account sees only its own invoices; another account's is a 404, never a 403. */
export type InvoiceScope = { accountId: string } | { admin: true };

function scoped(scope: InvoiceScope, filter: InvoiceFilter): InvoiceFilter | null {
  if ('admin' in scope) return filter;
  if (filter.accountId && filter.accountId !== scope.accountId) return null;
  return { ...filter, accountId: scope.accountId };
}

export async function listInvoices(db: Knex, scope: InvoiceScope, filter: InvoiceFilter, page: { limit: number; offset: number }) {
  const effective = scoped(scope, filter);
  if (!effective) return { rows: [] as InvoiceListRow[], total: 0 };
  return listInvoiceRows(db, effective, page);
}

export async function getInvoice(db: Knex, scope: InvoiceScope, id: string): Promise<InvoiceListRow> {
  const { rows } = await listInvoiceRows(db, { ...scoped(scope, {})!, id }, { limit: 1, offset: 0 });
  const row = rows[0];
  if (!row) throw new NotFoundError('Invoice', id);
  return row;
}

/**
 * The issueInvoice request that voids an invoice: a credit note for all of its lines. Refused
 * (409) for drafts and credit notes, and once any credit note corrects the invoice (a void would
 * then credit more than was invoiced).
 */
export async function voidRequestFor(db: Knex, id: string): Promise<IssueInvoiceInput> {
  const invoice = await getInvoice(db, { admin: true }, id);
  if (invoice.kind !== 'invoice') throw new ConflictError(`${id} is a credit note; only invoices are voided`, { id });
  if (invoice.status !== 'finalized') throw new ConflictError(`${id} is a draft; only finalized invoices are voided`, { id });
  const creditNotes = await findCreditNotesFor(db, id);
  const voiding = creditNotes.find((note) => note.source === voidSource(id));
  if (voiding) {
    throw new ConflictError(`Invoice ${invoice.number} is already voided by credit note ${voiding.number ?? voiding.id}`, { id, credit_note_id: voiding.id });
  }
  if (creditNotes.length > 0) {
    throw new ConflictError(`Invoice ${invoice.number} is already partly credited; credit the rest with a refund`, { id, credit_note_ids: creditNotes.map((n) => n.id) });
  }
  return {
    source: voidSource(id),
    accountId: invoice.account_id,
    kind: 'credit_note',
    currency: invoice.currency,
    correctsInvoiceId: id,
    taxInclusive: invoice.tax_inclusive,
    paymentReference: invoice.payment_reference ?? undefined,
    lines: invoice.lines.map((line) => ({
      description: line.description, quantity: line.quantity, unitAmountMinor: line.unit_amount_minor, amountMinor: line.amount_minor,
    })),
  };
}
