import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../src/config/config';
import { asActivity, type FinalFailure } from './activity-errors';
import { classifyStripeError } from '../src/integrations/stripe/checkout';
import { applyCommand, sendCommandToStripe } from '../src/subscriptions/subscription-commands.service';
import { applySubscriptionEvent, suspendForDunning } from '../src/subscriptions/subscription-state.service';
import type { SubscriptionCommand, SubscriptionEvent } from '../src/subscriptions/subscription.types';

export interface SubscriptionActivityDeps {
  config: Config;
  db: Knex;
  stripe: Stripe;
}

/** Stripe refusing the request itself (an invalid request) will refuse every retry too. */
const stripeInvalidRequest: FinalFailure = (error) =>
  classifyStripeError(error) === 'invalid_request' ? { message: (error as Error).message, type: 'stripe_invalid_request' } : undefined;

/** The subscription workflow's activities: each one short transaction or one keyed Stripe call. */
export function createSubscriptionActivities(deps: SubscriptionActivityDeps) {
  const grace = deps.config.DUNNING_GRACE_DAYS;
  return {
    applySubscriptionEvent: (input: { accountId: string; event: SubscriptionEvent }) =>
      asActivity(() => applySubscriptionEvent(deps.db, input.accountId, input.event, grace)),
    suspendSubscriptionForDunning: (input: { accountId: string }) => asActivity(() => suspendForDunning(deps.db, input.accountId, grace)),
    sendSubscriptionCommandToStripe: (input: { accountId: string; command: SubscriptionCommand }) =>
      asActivity(() => sendCommandToStripe(deps, input.accountId, input.command), stripeInvalidRequest),
    applySubscriptionCommand: (input: { accountId: string; command: SubscriptionCommand }) =>
      asActivity(() => applyCommand(deps.db, input.accountId, input.command)),
  };
}
