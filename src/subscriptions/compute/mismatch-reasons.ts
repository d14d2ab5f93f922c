/**
 * Whether Stripe's invoice charges what Settle's invoice says. Settle's period invoice is the legal
 * document; Stripe's is how it is collected, so any difference, however small, is a finding for
 * finance ops, never rounded away.
 */
export type MismatchReason = 'total_differs' | 'tax_differs' | 'currency_differs';

export interface InvoiceAmounts {
  currency: string;
  totalMinor: bigint;
  taxMinor: bigint;
}

/**
 * The reasons the two invoices disagree, in a fixed order; empty when they agree. Each field is
 * compared on its own: amounts in two currencies are reported as such even when the numbers
 * happen to be equal (currency_differs alone), and their numbers are compared as well.
 */
export function mismatchReasons(settle: InvoiceAmounts, stripe: InvoiceAmounts): MismatchReason[] {
  const reasons: MismatchReason[] = [];
  if (settle.totalMinor !== stripe.totalMinor) reasons.push('total_differs');
  if (settle.taxMinor !== stripe.taxMinor) reasons.push('tax_differs');
  if (settle.currency.toLowerCase() !== stripe.currency.toLowerCase()) reasons.push('currency_differs');
  return reasons;
}

/** A Stripe invoice of total 0 (a trial, a fully credited month) collects nothing: recorded, not compared. */
export function isComparable(stripe: Pick<InvoiceAmounts, 'totalMinor'>): boolean {
  return stripe.totalMinor !== 0n;
}
