import { minorToMajor } from '../invoices/compute/money';
import type { BillingMismatchRow } from './billing-mismatch.queries';

/** A mismatch as the admin API shows it: both invoices' amounts in major units, each in its own currency. */
export function billingMismatchView(row: BillingMismatchRow) {
  return {
    id: row.id,
    account_id: row.account_id,
    period: row.period,
    currency: row.currency,
    settle_invoice_id: row.settle_invoice_id,
    settle_total: minorToMajor(BigInt(row.settle_total_minor), row.currency),
    settle_tax: minorToMajor(BigInt(row.settle_tax_minor), row.currency),
    stripe_invoice_id: row.stripe_invoice_id,
    stripe_currency: row.stripe_currency,
    stripe_total: minorToMajor(BigInt(row.stripe_total_minor), row.stripe_currency),
    stripe_tax: minorToMajor(BigInt(row.stripe_tax_minor), row.stripe_currency),
    reasons: row.reasons,
    detected_at: row.detected_at.toISOString(),
    resolved_at: row.resolved_at?.toISOString() ?? null,
  };
}

export type BillingMismatchView = ReturnType<typeof billingMismatchView>;
