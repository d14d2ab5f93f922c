import { z } from 'zod';
import type { PaymentEvent } from './checkout.types';

/** The envelope of every Stripe event, after its signature is verified. */
export const stripeEventSchema = z.looseObject({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  api_version: z.string().nullable().optional(),
  livemode: z.boolean().default(false),
  created: z.number().int(),
  data: z.looseObject({ object: z.looseObject({}) }),
});
export type VerifiedEvent = z.infer<typeof stripeEventSchema>;

const purchaseIdSchema = z.string().regex(/^pur_[a-z0-9]+$/).max(64);
const metadataSchema = z.record(z.string(), z.string()).nullable().optional();
const expandable = z.union([z.string(), z.looseObject({ id: z.string() })]).nullable().optional();

/** The fields of a Checkout Session that settle a purchase. */
export const checkoutSessionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('checkout.session'),
  client_reference_id: z.string().nullable().optional(),
  metadata: metadataSchema,
  amount_total: z.number().int().nullable().optional(),
  currency: z.string().nullable().optional(),
  payment_status: z.string().nullable().optional(),
  payment_intent: expandable,
  status: z.string().nullable().optional(),
});
export type CheckoutSessionObject = z.infer<typeof checkoutSessionSchema>;

const refundSchema = z.looseObject({
  id: z.string(),
  amount: z.number().int().positive(),
  currency: z.string(),
  status: z.string().nullable().optional(),
  metadata: metadataSchema,
  charge: expandable,
  payment_intent: expandable,
});
export type RefundObject = z.infer<typeof refundSchema>;

export const chargeSchema = z.looseObject({
  id: z.string(),
  object: z.literal('charge'),
  amount: z.number().int(),
  amount_refunded: z.number().int(),
  currency: z.string(),
  payment_intent: expandable,
  metadata: metadataSchema,
  refunds: z.looseObject({ data: z.array(refundSchema) }).nullable().optional(),
});
export type ChargeObject = z.infer<typeof chargeSchema>;

export const idOf = (value: z.infer<typeof expandable>): string | null => (value == null ? null : typeof value === 'string' ? value : value.id);

export type PurchaseRef = { kind: 'purchase'; purchaseId: string } | { kind: 'none' } | { kind: 'conflicting'; ids: string[] };

/**
 * The purchase a session names: client_reference_id and metadata.purchase_id. Both are set by us;
 * if they disagree the event is not trusted to credit anything.
 */
export function purchaseOfSession(session: Pick<CheckoutSessionObject, 'client_reference_id' | 'metadata'>): PurchaseRef {
  const named = [session.client_reference_id, session.metadata?.purchase_id].filter((v): v is string => typeof v === 'string' && v.length > 0);
  const ids = [...new Set(named)];
  if (ids.length === 0) return { kind: 'none' };
  if (ids.length > 1) return { kind: 'conflicting', ids };
  return purchaseIdSchema.safeParse(ids[0]).success ? { kind: 'purchase', purchaseId: ids[0]! } : { kind: 'none' };
}

/** A purchase id found anywhere obvious in an event, for the inbox's operator column. */
export function purchaseHint(object: Record<string, unknown>): string | null {
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  for (const value of [object.client_reference_id, metadata.purchase_id]) {
    if (typeof value === 'string' && purchaseIdSchema.safeParse(value).success) return value;
  }
  return null;
}

const KIND_OF: Record<string, PaymentEvent['kind']> = {
  'checkout.session.completed': 'completed',
  'checkout.session.async_payment_succeeded': 'async_succeeded',
  'checkout.session.async_payment_failed': 'async_failed',
  'checkout.session.expired': 'expired',
};

export function paymentEventFromSession(
  eventId: string,
  eventType: string,
  session: CheckoutSessionObject,
  source: PaymentEvent['source'] = 'webhook',
): PaymentEvent {
  const kind = KIND_OF[eventType];
  if (!kind) throw new RangeError(`not a checkout session event type: ${eventType}`);
  return {
    eventId,
    kind,
    source,
    amountTotal: session.amount_total == null ? null : String(session.amount_total),
    currency: session.currency ?? null,
    paymentStatus: session.payment_status ?? null,
    paymentIntent: idOf(session.payment_intent),
    sessionId: session.id,
    reference: null,
  };
}
