import { z } from 'zod';

/**
 * What Settle reads from a Stripe invoice (`invoice.paid`, `invoice.payment_failed`). Stripe moved
 * the subscription from the top level (`subscription`) to `parent.subscription_details` in API
 * version 2025-03-31 (basil), and the tax from `tax` to `total_taxes`: both shapes are read.
 */
const expandableId = z.union([z.string(), z.looseObject({ id: z.string() })]).nullable().optional();
const idOf = (value: z.infer<typeof expandableId>): string | null => (value == null ? null : typeof value === 'string' ? value : value.id);
const metadata = z.record(z.string(), z.string()).nullable().optional();

const invoiceSchema = z.looseObject({
  id: z.string().min(1).max(255),
  object: z.literal('invoice'),
  status: z.string().nullable().optional(),
  customer: expandableId,
  currency: z.string().min(3).max(3),
  amount_due: z.number().int(),
  amount_paid: z.number().int().default(0),
  total: z.number().int(),
  tax: z.number().int().nullable().optional(),
  total_taxes: z.array(z.looseObject({ amount: z.number().int() })).nullable().optional(),
  billing_reason: z.string().nullable().optional(),
  period_start: z.number().int().nullable().optional(),
  period_end: z.number().int().nullable().optional(),
  created: z.number().int(),
  subscription: expandableId,
  metadata,
  subscription_details: z.looseObject({ metadata }).nullable().optional(),
  parent: z
    .looseObject({
      subscription_details: z.looseObject({ subscription: expandableId, metadata }).nullable().optional(),
    })
    .nullable()
    .optional(),
});

export interface StripeInvoiceFacts {
  id: string;
  status: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  /** `account_id` from the subscription's metadata copied onto the invoice, when present */
  accountId: string | null;
  currency: string;
  amountDueMinor: bigint;
  amountPaidMinor: bigint;
  totalMinor: bigint;
  taxMinor: bigint;
  billingReason: string | null;
  /** the service period the invoice bills (epoch seconds) */
  periodStart: number | null;
  periodEnd: number | null;
  created: number;
}

export function parseStripeInvoice(object: unknown): StripeInvoiceFacts | null {
  const parsed = invoiceSchema.safeParse(object);
  if (!parsed.success) return null;
  const invoice = parsed.data;
  const details = invoice.parent?.subscription_details ?? null;
  const subscriptionMetadata = details?.metadata ?? invoice.subscription_details?.metadata ?? null;
  const tax = invoice.total_taxes ? invoice.total_taxes.reduce((sum, line) => sum + BigInt(line.amount), 0n) : BigInt(invoice.tax ?? 0);
  return {
    id: invoice.id,
    status: invoice.status ?? null,
    customerId: idOf(invoice.customer),
    subscriptionId: idOf(details?.subscription) ?? idOf(invoice.subscription),
    accountId: subscriptionMetadata?.account_id ?? invoice.metadata?.account_id ?? null,
    currency: invoice.currency.toLowerCase(),
    amountDueMinor: BigInt(invoice.amount_due),
    amountPaidMinor: BigInt(invoice.amount_paid),
    totalMinor: BigInt(invoice.total),
    taxMinor: tax,
    billingReason: invoice.billing_reason ?? null,
    periodStart: invoice.period_start ?? null,
    periodEnd: invoice.period_end ?? null,
    created: invoice.created,
  };
}
