import { z } from 'zod';
import type { AppDeps } from '../../app-deps';
import { dispatchInboxEvent } from '../../checkout/webhook-dispatch';
import { purchaseHint, stripeEventSchema, type VerifiedEvent } from '../../checkout/webhook-events';
import { findInboxEvent, insertInboxEvent } from '../../checkout/webhook-inbox.queries';
import { ValidationError } from '../../shared/errors';
import { defineRoute } from '../route';
import { findUnstorableText, replaceUnstorableText } from '../schemas/storable-text';

/** Stripe's default tolerance: a signature older than this is a replay and is refused. */
const SIGNATURE_TOLERANCE_SECONDS = 300;
/** A duplicate delivery re-dispatches an event whose first dispatch has not finished after this long. */
const STALE_DISPATCH_MS = 60_000;

function verify(deps: AppDeps, raw: Buffer, signature: string): VerifiedEvent {
  try {
    // The exact bytes are verified (the SDK accepts a Buffer; its types only say string).
    deps.stripe.webhooks.signature.verifyHeader(raw as unknown as string, signature, deps.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError('The Stripe-Signature does not verify against this body, secret and time', { field: 'Stripe-Signature', reason });
  }
  // Verified first, parsed second: a valid signature over bytes that are not JSON is a malformed
  // body, not a bad signature.
  let event: unknown;
  try {
    event = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ValidationError('The signed body is not valid JSON', { field: 'body' });
  }
  const parsed = stripeEventSchema.safeParse(event);
  if (!parsed.success) throw new ValidationError('The signed body is not a Stripe event', { field: 'body' });
  return parsed.data;
}

/**
 * The payload to store. PostgreSQL refuses NUL characters and unpaired surrogates even inside
 * jsonb; a signed event carrying one (say, in a customer's metadata) is stored and handled with
 * them replaced, because refusing it would make Stripe retry a payment event for days.
 */
function storablePayload(deps: AppDeps, raw: Buffer, event: VerifiedEvent): { payload: string; event: VerifiedEvent } {
  if (!findUnstorableText(event)) return { payload: raw.toString('utf8'), event };
  const sanitised = replaceUnstorableText(event);
  deps.log.warn({ event_id: sanitised.id, type: sanitised.type }, 'webhook event text had characters PostgreSQL refuses; stored with U+FFFD in their place');
  return { payload: JSON.stringify(sanitised), event: sanitised };
}

/** After the 2xx: hand the event to its handler; a failure leaves it in the inbox for the drain. */
function dispatchSoon(deps: AppDeps, event: VerifiedEvent): void {
  const ctx = { db: deps.db, stripe: deps.stripe, temporal: deps.temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE };
  setImmediate(() => {
    dispatchInboxEvent(ctx, { id: event.id, type: event.type, payload: event }).catch((error: unknown) => {
      deps.log.warn({ err: error, event_id: event.id, type: event.type }, 'webhook dispatch failed; the event stays in the inbox for the reconcile drain');
    });
  });
}

export const webhookRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/webhooks/stripe',
    summary: 'Stripe webhook: raw body, Stripe-Signature verified (300 s tolerance), stored by event id, answered 2xx, then handled',
    tag: 'Webhooks',
    access: 'public',
    response: {
      status: 200,
      description: 'stored (or already stored: duplicate)',
      schema: z.object({ received: z.literal(true), duplicate: z.boolean() }),
    },
    handler: async ({ req, deps }) => {
      const signature = req.get('stripe-signature');
      if (!signature) throw new ValidationError('The Stripe-Signature header is missing', { field: 'Stripe-Signature' });
      const raw = Buffer.isBuffer(req.body) ? req.body : null;
      if (!raw || raw.length === 0) throw new ValidationError('The body is empty', { field: 'body' });
      const { payload, event } = storablePayload(deps, raw, verify(deps, raw, signature));
      const inserted = await insertInboxEvent(deps.db, {
        id: event.id,
        type: event.type,
        api_version: event.api_version ?? null,
        livemode: event.livemode,
        payload,
        purchase_id: purchaseHint(event.data.object),
      });
      if (inserted) {
        dispatchSoon(deps, event);
      } else {
        const row = await findInboxEvent(deps.db, event.id);
        if (row && !row.processed_at && Date.now() - row.received_at.getTime() > STALE_DISPATCH_MS) dispatchSoon(deps, event);
      }
      return { status: 200, body: { received: true, duplicate: !inserted } };
    },
  }),
];
