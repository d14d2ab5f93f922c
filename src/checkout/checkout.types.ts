/**
 * What the checkout workflows, their activities and their clients exchange. Plain types only:
 * workflows import them with `import type`, and every value is JSON (bigints travel as strings).
 */

export const CHECKOUT_WORKFLOW = 'checkoutToCredit';
export const REFUND_WORKFLOW = 'refund';
export const RECONCILE_WORKFLOW = 'reconcileCheckouts';
export const PAYMENT_SIGNAL = 'payment';

export const checkoutWorkflowId = (purchaseId: string) => `checkout:${purchaseId}`;
export const refundWorkflowId = (refundId: string) => `refund:${refundId}`;

export type OrderStatus = 'pending' | 'fulfilled' | 'review' | 'failed' | 'expired' | 'refunded';

/**
 * One payment fact about an order, from a signed Stripe event, a Checkout Session listed from
 * Stripe by the reconcile workflow, or an admin marking a manual order paid.
 */
export interface PaymentEvent {
  /** evt_… for webhooks, `reconcile:<session id or payment intent>`, `manual:<purchase id>`, `direct:<payment intent>`; the workflow ignores a repeat. */
  eventId: string;
  kind: 'completed' | 'async_succeeded' | 'async_failed' | 'expired' | 'manual_paid';
  /** direct: the API's own off-session charge of a saved payment method, as Stripe answered it */
  source: 'webhook' | 'reconcile' | 'manual' | 'direct';
  /** minor units, as a decimal string; null when the event carries none */
  amountTotal: string | null;
  currency: string | null;
  paymentStatus: string | null;
  paymentIntent: string | null;
  sessionId: string | null;
  /** manual settlement reference (bank transfer id, …) */
  reference: string | null;
}

export interface CheckoutWorkflowInput {
  purchaseId: string;
  /** the session's expiry (ISO); the workflow waits for a payment event until then. Null: manual order. */
  expiresAt: string | null;
}

/** What an event did to the order, as the activity saw it under the order's row lock. */
export type SettleOutcome =
  | { kind: 'fulfilled'; creditsAdded: string; ledgerEntryId: string; grantId: string; balanceAfter: string }
  | { kind: 'review'; reason: string }
  | { kind: 'awaiting_async_payment' }
  | { kind: 'closed'; status: 'expired' | 'failed' }
  | { kind: 'already'; status: OrderStatus }
  | { kind: 'unknown_purchase' };

export interface CheckoutState {
  purchase_id: string;
  step: 'waiting_for_payment' | 'waiting_for_async_payment' | 'settling' | 'invoicing' | 'done';
  order_status: OrderStatus | 'unknown';
  events: Array<{ id: string; kind: PaymentEvent['kind']; source: PaymentEvent['source'] }>;
  outcome: string | null;
  review_reason: string | null;
  credits_added: string | null;
  ledger_entry_id: string | null;
  invoice_id: string | null;
  waiting_until: string | null;
}

export interface CheckoutResult {
  purchase_id: string;
  outcome: string;
  order_status: OrderStatus | 'unknown';
}

export interface RefundWorkflowInput {
  refundId: string;
  purchaseId: string;
}

export type RefundOutcome =
  | {
      kind: 'applied' | 'already_applied';
      refundId: string;
      creditsEntitled: string;
      creditsClawedBack: string;
      creditsUnrecoverable: string;
      ledgerEntryId: string | null;
      orderStatus: OrderStatus;
    }
  | { kind: 'not_applicable'; reason: string };

export interface RefundState {
  refund_id: string;
  purchase_id: string;
  step: 'applying' | 'done';
  outcome: RefundOutcome | null;
  credit_note_id: string | null;
}

export interface ReconcileInput {
  /** list Checkout Sessions created this many hours back (default CHECKOUT_RECONCILE_LOOKBACK_HOURS) */
  lookbackHours?: number;
}

export interface ReconcileResult {
  inbox: { redispatched: number; failed: number };
  sessions: {
    listed: number;
    paid: number;
    started: number;
    skipped: number;
    expired: number;
    /** pending direct purchases (issue 15) whose PaymentIntent was asked for, those Stripe said succeeded, those it could not answer for */
    direct?: { checked: number; started: number; failed: number };
  };
}
