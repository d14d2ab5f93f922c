/**
 * Does a payment event pay this order? The signed event (or the session Stripe lists, or the
 * admin's manual payment) is the payment authority: its amount, currency and payment status must
 * match what the order asked for, or the order goes to review and nothing is credited.
 */
export interface OrderTerms {
  amountDueMinor: bigint;
  currency: string;
}

export interface PaymentFacts {
  amountTotal: bigint | null;
  currency: string | null;
  paymentStatus: string | null;
}

export type PaymentVerdict = { ok: true } | { ok: false; reason: string };

export function verifyPayment(order: OrderTerms, payment: PaymentFacts): PaymentVerdict {
  if (payment.paymentStatus !== 'paid') {
    return { ok: false, reason: `payment_status is ${payment.paymentStatus ?? 'missing'}, not paid` };
  }
  if (payment.currency === null || payment.currency.toLowerCase() !== order.currency) {
    return { ok: false, reason: `currency mismatch: paid ${payment.currency ?? 'none'}, order is ${order.currency}` };
  }
  if (payment.amountTotal === null || payment.amountTotal !== order.amountDueMinor) {
    return { ok: false, reason: `amount mismatch: paid ${payment.amountTotal ?? 'none'}, order is ${order.amountDueMinor} (minor units)` };
  }
  return { ok: true };
}
