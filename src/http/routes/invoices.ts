import { WorkflowFailedError } from '@temporalio/client';
import { z } from 'zod';
import { ensureInvoicePdf } from '../../invoices/invoice-pdf.service';
import { invoiceView } from '../../invoices/invoice-view';
import { getInvoice, listInvoices, voidRequestFor, type InvoiceScope } from '../../invoices/invoices-read.service';
import type { IssueInvoiceResult } from '../../invoices/issue-invoice.types';
import { invoiceWorkflowId } from '../../invoices/workflow-ids';
import { ConflictError, UnavailableError, ValidationError } from '../../shared/errors';
import type { Principal } from '../auth';
import { defineRoute } from '../route';
import { idParam, listMeta, listQuery } from '../schemas/common';
import { billingProfileRoutes } from './billing-profile';
import { taxRateRoutes } from './tax-rates';

const VOID_WAIT_MS = 15_000;

function scopeOf(principal: Principal): InvoiceScope {
  return principal.role === 'account' ? { accountId: principal.accountId } : { admin: true };
}

/** A date-time is exact; a bare date means that whole UTC day (so end_date=2026-11-30 includes the 30th). */
const dateBound = (edge: 'start' | 'end') =>
  z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((value) => {
    const date = new Date(value);
    return edge === 'end' && value.length === 10 ? new Date(date.getTime() + 86_400_000) : date;
  });

const listInvoicesQuery = listQuery.extend({
  kind: z.enum(['invoice', 'credit_note']).optional(),
  status: z.enum(['draft', 'finalized']).optional(),
  start_date: dateBound('start').optional().meta({ description: 'issued at or after (date-time, or a date = from its start)' }),
  end_date: dateBound('end').optional().meta({ description: 'issued before (date-time, exclusive; or a date = through its end)' }),
  account_id: idParam('acct').optional().meta({ description: 'admin keys: one account’s invoices' }),
  source: z.string().max(200).optional().meta({ description: 'the business key, e.g. purchase:pur_…' }),
});

const money = z.number().nullable();
const invoiceSchema = z.object({
  id: z.string(),
  number: z.string().nullable(),
  kind: z.enum(['invoice', 'credit_note']),
  status: z.enum(['draft', 'finalized']),
  issued_at: z.string().nullable(),
  currency: z.string(),
  lines: z.array(z.object({ description: z.string(), quantity: z.number(), unit_amount: money, amount: money })),
  subtotal: money,
  tax: money,
  total: money,
  tax_lines: z.array(z.object({ name: z.string(), rate: z.number(), country: z.string().nullable(), rule: z.string(), taxable_amount: money, amount: money, note: z.string().nullable() })),
  tax_snapshot: z.record(z.string(), z.unknown()).nullable().meta({ description: 'seller, buyer, countries, tax id, rate, rule, note, amounts: frozen at finalization' }),
  source: z.string(),
  pdf_sha256: z.string().nullable(),
  pdf_url: z.string().nullable(),
  account_id: z.string(),
  tax_inclusive: z.boolean(),
  payment_status: z.enum(['open', 'paid', 'payment_failed']).nullable().meta({ description: 'invoices: paid (a purchase at checkout, a period invoice once its Stripe invoice is paid), open, or payment_failed; null for drafts and credit notes' }),
  payment_reference: z.string().nullable().meta({ description: 'what paid it: the purchase’s payment, or the Stripe invoice id that collected a period invoice; until then the reference printed on the document' }),
  corrects_invoice_id: z.string().nullable(),
  created_at: z.string(),
});

const invoiceParams = z.object({ id: idParam('inv') });

export const invoiceRoutes = [
  ...billingProfileRoutes,
  ...taxRateRoutes,
  defineRoute({
    method: 'get',
    path: '/v1/invoices',
    summary: 'Invoices and credit notes, newest first (an account key sees its own)',
    tag: 'Invoices',
    access: ['account', 'admin'],
    query: listInvoicesQuery,
    response: { status: 200, description: 'a page of invoices', schema: z.object({ data: z.array(invoiceSchema), meta: listMeta }) },
    handler: async ({ query, principal, deps }) => {
      if (query.start_date && query.end_date && query.start_date >= query.end_date) {
        throw new ValidationError('end_date must be after start_date', { field: 'end_date', in: 'query' });
      }
      const page = { limit: query.limit, offset: query.offset };
      const { rows, total } = await listInvoices(deps.db, scopeOf(principal), {
        accountId: query.account_id, kind: query.kind, status: query.status, source: query.source,
        issuedFrom: query.start_date, issuedBefore: query.end_date,
      }, page);
      return { status: 200, body: { data: rows.map(invoiceView), meta: { total, ...page } } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/invoices/:id',
    summary: 'One invoice or credit note',
    tag: 'Invoices',
    access: ['account', 'admin'],
    params: invoiceParams,
    response: { status: 200, description: 'the invoice', schema: invoiceSchema },
    handler: async ({ params, principal, deps }) => ({ status: 200, body: invoiceView(await getInvoice(deps.db, scopeOf(principal), params.id)) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/invoices/:id/pdf',
    summary: 'The invoice PDF, byte-identical every time (its SHA-256 is pdf_sha256)',
    tag: 'Invoices',
    access: ['account', 'admin'],
    params: invoiceParams,
    errors: [409],
    response: { status: 200, description: 'the PDF', contentType: 'application/pdf' },
    handler: async ({ params, principal, deps, res }) => {
      const invoice = await getInvoice(deps.db, scopeOf(principal), params.id);
      const document = await ensureInvoicePdf(deps.db, invoice.id);
      res
        .status(200)
        .set({
          'content-type': 'application/pdf',
          'content-disposition': `inline; filename="${invoice.number}.pdf"`,
          'x-content-sha256': document.sha256,
          'cache-control': 'private, max-age=31536000, immutable',
        })
        .send(document.content);
      return undefined;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/invoices/:id/void',
    summary: 'Void an invoice by issuing a credit note for all of it (issueInvoice workflow invoice:void:<id>)',
    tag: 'Invoices',
    access: 'admin',
    params: invoiceParams,
    errors: [409, 503],
    response: { status: 201, description: 'the credit note', schema: invoiceSchema },
    handler: async ({ params, deps }) => {
      const request = await voidRequestFor(deps.db, params.id);
      const workflowId = invoiceWorkflowId(request.source);
      const handle = await deps.temporal.workflow
        .start('issueInvoice', { workflowId, taskQueue: deps.config.TEMPORAL_TASK_QUEUE, args: [request], workflowIdConflictPolicy: 'USE_EXISTING' })
        .catch((error: unknown) => {
          deps.log.warn({ err: error, workflowId }, 'could not start the void workflow');
          throw new UnavailableError('Temporal is unavailable; retry the void', { workflow_id: workflowId });
        });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), VOID_WAIT_MS);
      });
      try {
        const result = await Promise.race([handle.result() as Promise<IssueInvoiceResult>, timeout]);
        if (result === 'timeout') {
          throw new UnavailableError('The credit note is still being issued; retry to get it', { workflow_id: workflowId });
        }
        return { status: 201, body: invoiceView(await getInvoice(deps.db, { admin: true }, result.invoiceId)) };
      } catch (error) {
        if (error instanceof WorkflowFailedError) {
          const cause = error.cause as { message?: string; type?: string } | undefined;
          throw new ConflictError(`The credit note could not be issued: ${cause?.message ?? error.message}`, { workflow_id: workflowId, reason: cause?.type ?? null });
        }
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  }),
];
