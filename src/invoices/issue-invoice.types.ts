import { z } from 'zod';

/** Largest amount a line may carry: 10^13 minor units (100 billion in major units), far inside 2^53. */
const MAX_MINOR = 10_000_000_000_000;
const minor = z.number().int().min(-MAX_MINOR).max(MAX_MINOR);

export const invoiceLineInputSchema = z.strictObject({
  description: z.string().trim().min(1).max(500),
  quantity: z.number().int().min(1).max(1_000_000_000),
  /** Price of one unit in minor units; net unless the invoice is tax-inclusive. */
  unitAmountMinor: minor,
  /** quantity × unitAmountMinor, stated so callers and the document agree on each line. */
  amountMinor: minor,
});

/**
 * What issueInvoice receives (also the createInvoiceDraft activity's input). Amounts are safe
 * integers in minor units, since Temporal payloads are JSON and carry no bigint.
 */
export const issueInvoiceInputSchema = z
  .strictObject({
    /** Business key: `purchase:<pur_id>`, `period:<acct_id>:<YYYY-MM>`, `refund:<refund id>`, `void:<inv_id>`. */
    source: z.string().trim().min(3).max(200).regex(/^[a-z]+:[A-Za-z0-9_:.-]+$/, 'must look like purchase:<id>'),
    accountId: z.string().regex(/^acct_[a-z0-9]+$/, 'must look like acct_…'),
    kind: z.enum(['invoice', 'credit_note']),
    currency: z.string().regex(/^[a-z]{3}$/, 'must be a lower-case ISO 4217 code'),
    lines: z.array(invoiceLineInputSchema).min(1).max(500),
    /** Printed on the document: e.g. the purchase id or Stripe payment intent. */
    paymentReference: z.string().trim().min(1).max(200).optional(),
    /** Credit notes: the finalized invoice they correct (required for credit notes, refused otherwise). */
    correctsInvoiceId: z.string().regex(/^inv_[a-z0-9]+$/, 'must look like inv_…').optional(),
    /** Line amounts already include tax (a gross amount that was charged): tax is carved out, the total stays. */
    taxInclusive: z.boolean().optional(),
  })
  .superRefine((input, ctx) => {
    input.lines.forEach((line, index) => {
      if (BigInt(line.amountMinor) !== BigInt(line.quantity) * BigInt(line.unitAmountMinor)) {
        ctx.addIssue({ code: 'custom', path: ['lines', index, 'amountMinor'], message: 'must equal quantity × unitAmountMinor' });
      }
    });
    const total = input.lines.reduce((sum, line) => sum + BigInt(line.amountMinor), 0n);
    if (total < 0n) ctx.addIssue({ code: 'custom', path: ['lines'], message: 'the lines must not add up to a negative amount' });
    if (input.kind === 'credit_note' && !input.correctsInvoiceId) {
      ctx.addIssue({ code: 'custom', path: ['correctsInvoiceId'], message: 'a credit note must name the invoice it corrects' });
    }
    if (input.kind === 'invoice' && input.correctsInvoiceId) {
      ctx.addIssue({ code: 'custom', path: ['correctsInvoiceId'], message: 'only credit notes correct an invoice' });
    }
  });

export type IssueInvoiceInput = z.input<typeof issueInvoiceInputSchema>;
export type InvoiceLineInput = z.input<typeof invoiceLineInputSchema>;

export interface IssueInvoiceResult {
  invoiceId: string;
  number: string;
  totalMinor: number;
  pdfSha256: string;
}
