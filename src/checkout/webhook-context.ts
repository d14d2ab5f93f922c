import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { VerifiedEvent } from './webhook-events';

/** What a webhook handler may use: it runs in the API after the 2xx, or in the inbox drain activity. */
export interface WebhookContext {
  db: Knex;
  stripe: Stripe;
  temporal: Client;
  /** task queue of the workflows handlers start */
  taskQueue: string;
}

/**
 * Handles one verified event and returns its outcome (stored on the inbox row). It must be
 * idempotent: the inbox drain re-dispatches events whose first dispatch did not finish.
 * Throw to leave the event unprocessed for the drain (e.g. Temporal unreachable).
 */
export type WebhookHandler = (event: VerifiedEvent, ctx: WebhookContext) => Promise<string>;
