import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { Config } from './config/config';

/** What the API and the activities are built from; one instance per process. */
export interface AppDeps {
  config: Config;
  db: Knex;
  temporal: Client;
  stripe: Stripe;
  log: Logger;
  /** The bootstrap admin key (ADMIN_API_KEY or the generated one). */
  adminApiKey: string;
  /** The secret that signs Stripe webhooks (STRIPE_WEBHOOK_SECRET or the generated one). */
  webhookSecret: string;
  /** Where the Stripe SDK is pointed: stripe-mock's URL, or null for Stripe itself. */
  stripeApiBase: string | null;
  /** The Temporal Web UI the console links workflows to: the embedded dev server's, when it runs one. */
  temporalUiUrl?: string | null;
}
