import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../src/config/config';
import { createSystemActivities } from './system.activities';
import { createInvoiceActivities } from './invoices.activities';
import { createPeriodActivities } from './periods.activities';
import { createPayoutActivities } from './payouts.activities';
import { createPurchaseInvoiceActivities } from './purchase-invoices.activities';
import { createCheckoutActivities } from './checkout.activities';
import { createAutoRechargeActivities } from './auto-recharge.activities';
import { createSubscriptionActivities } from './subscriptions.activities';
import { createOutgoingWebhookActivities } from './outgoing-webhooks.activities';

export interface ActivityDeps {
  config: Config;
  db: Knex;
  stripe: Stripe;
}

/** All activities, built from their dependencies (see samples-typescript's dependency injection). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
    ...createInvoiceActivities(deps),
    ...createPeriodActivities(deps),
    ...createPayoutActivities(deps),
    ...createPurchaseInvoiceActivities(deps),
    ...createCheckoutActivities(deps),
    ...createAutoRechargeActivities(deps),
    ...createSubscriptionActivities(deps),
    ...createOutgoingWebhookActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
