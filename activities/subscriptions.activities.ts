import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../src/config/config';
import { classifyStripeError } from '../src/integrations/stripe/checkout';
import { AppError } from '../src/shared/errors';
import { applyCommand, sendCommandToStripe } from '../src/subscriptions/subscription-commands.service';
import { applySubscriptionEvent, suspendForDunning } from '../src/subscriptions/subscription-state.service';
import type { SubscriptionCommand, SubscriptionEvent } from '../src/subscriptions/subscription.types';

export interface SubscriptionActivityDeps {
  config: Config;
  db: Knex;
  stripe: Stripe;
}

/** A refusal that retrying cannot change (our 4xx, Stripe's invalid request) fails at once; the rest retry. */
async function activityErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && !error.retryable) throw ApplicationFailure.nonRetryable(error.message, error.code, error.details);
    if (classifyStripeError(error) === 'invalid_request') throw ApplicationFailure.nonRetryable((error as Error).message, 'stripe_invalid_request');
    throw error;
  }
}

/** The subscription workflow's activities: each one short transaction or one keyed Stripe call. */
export function createSubscriptionActivities(deps: SubscriptionActivityDeps) {
  const grace = deps.config.DUNNING_GRACE_DAYS;
  return {
    applySubscriptionEvent: (input: { accountId: string; event: SubscriptionEvent }) =>
      activityErrors(() => applySubscriptionEvent(deps.db, input.accountId, input.event, grace)),
    suspendSubscriptionForDunning: (input: { accountId: string }) => activityErrors(() => suspendForDunning(deps.db, input.accountId, grace)),
    sendSubscriptionCommandToStripe: (input: { accountId: string; command: SubscriptionCommand }) =>
      activityErrors(() => sendCommandToStripe(deps, input.accountId, input.command)),
    applySubscriptionCommand: (input: { accountId: string; command: SubscriptionCommand }) =>
      activityErrors(() => applyCommand(deps.db, input.accountId, input.command)),
  };
}
