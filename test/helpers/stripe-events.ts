import crypto from 'node:crypto';
import Stripe from 'stripe';
import { api, type ApiResponse } from './api';
import { readStackInfo } from './stack-info';

/**
 * Realistic Stripe events for the webhook endpoint, signed with the Stripe SDK's own helper
 * (`stripe.webhooks.generateTestHeaderString`) and the stack's webhook secret.
 */
const stripe = new Stripe('sk_test_signing_only'); // used for its signature helper; makes no requests

const rand = (n = 14) => crypto.randomBytes(n).toString('base64url').replace(/[-_]/g, 'x').slice(0, n);
export const newEventId = () => `evt_test_${rand(24)}`;
export const newPaymentIntentId = () => `pi_test_${rand(24)}`;

const now = () => Math.floor(Date.now() / 1000);

function envelope<T extends Record<string, unknown>>(type: string, object: T, id = newEventId()) {
  return {
    id,
    object: 'event',
    api_version: '2025-08-27.basil',
    created: now(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

export type SessionEventType =
  | 'checkout.session.completed'
  | 'checkout.session.async_payment_succeeded'
  | 'checkout.session.async_payment_failed'
  | 'checkout.session.expired';

export interface SessionEventOptions {
  purchaseId: string;
  amountTotal: number;
  currency?: string;
  paymentStatus?: 'paid' | 'unpaid' | 'no_payment_required';
  paymentIntent?: string | null;
  sessionId?: string;
  eventId?: string;
  /** override what the session names (defaults: the purchase id in both) */
  clientReferenceId?: string | null;
  metadataPurchaseId?: string | null;
}

export function checkoutSessionEvent(type: SessionEventType, options: SessionEventOptions) {
  const status = type === 'checkout.session.expired' ? 'expired' : 'complete';
  const paymentStatus = options.paymentStatus ?? (type === 'checkout.session.completed' || type === 'checkout.session.async_payment_succeeded' ? 'paid' : 'unpaid');
  const clientReferenceId = options.clientReferenceId === undefined ? options.purchaseId : options.clientReferenceId;
  const metadataPurchaseId = options.metadataPurchaseId === undefined ? options.purchaseId : options.metadataPurchaseId;
  return envelope(
    type,
    {
      id: options.sessionId ?? `cs_test_${rand(24)}`,
      object: 'checkout.session',
      amount_subtotal: options.amountTotal,
      amount_total: options.amountTotal,
      client_reference_id: clientReferenceId,
      created: now() - 60,
      currency: options.currency ?? 'usd',
      customer: 'cus_test_customer',
      expires_at: now() + 86_000,
      livemode: false,
      metadata: metadataPurchaseId ? { purchase_id: metadataPurchaseId } : {},
      mode: 'payment',
      payment_intent: options.paymentIntent === undefined ? newPaymentIntentId() : options.paymentIntent,
      payment_status: paymentStatus,
      status,
      url: null,
    },
    options.eventId,
  );
}

export interface RefundSpec {
  id?: string;
  amount: number;
  status?: 'succeeded' | 'pending' | 'failed';
  metadata?: Record<string, string>;
}

export function chargeRefundedEvent(options: {
  paymentIntent: string;
  amount: number;
  currency?: string;
  refunds: RefundSpec[];
  chargeMetadata?: Record<string, string>;
  eventId?: string;
  chargeId?: string;
}) {
  const chargeId = options.chargeId ?? `ch_test_${rand(24)}`;
  const refunds = options.refunds.map((refund) => ({
    id: refund.id ?? `re_test_${rand(24)}`,
    object: 'refund',
    amount: refund.amount,
    charge: chargeId,
    created: now(),
    currency: options.currency ?? 'usd',
    metadata: refund.metadata ?? {},
    payment_intent: options.paymentIntent,
    reason: 'requested_by_customer',
    status: refund.status ?? 'succeeded',
  }));
  const refunded = refunds.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + r.amount, 0);
  return envelope(
    'charge.refunded',
    {
      id: chargeId,
      object: 'charge',
      amount: options.amount,
      amount_captured: options.amount,
      amount_refunded: refunded,
      currency: options.currency ?? 'usd',
      metadata: options.chargeMetadata ?? {},
      paid: true,
      payment_intent: options.paymentIntent,
      refunded: refunded >= options.amount,
      refunds: { object: 'list', data: refunds, has_more: false, total_count: refunds.length, url: `/v1/charges/${chargeId}/refunds` },
      status: 'succeeded',
    },
    options.eventId,
  );
}

export function signPayload(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
  return stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? readStackInfo().webhookSecret,
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
  });
}

/** POSTs an event (or a raw body) to /v1/webhooks/stripe, signed unless `signature` is given. */
export function postWebhook(
  event: object | string,
  options: { secret?: string; timestamp?: number; signature?: string | null; body?: string } = {},
): Promise<ApiResponse> {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const signature = options.signature === undefined ? signPayload(payload, options) : options.signature;
  return api('POST', '/v1/webhooks/stripe', {
    rawBody: options.body ?? payload,
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'stripe-signature': signature }) },
  });
}
