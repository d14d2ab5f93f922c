import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type Stripe from 'stripe';
import type { Config } from '../src/config/config';
import type { PaymentEvent, ReconcileResult, RefundOutcome, SettleOutcome } from '../src/checkout/checkout.types';
import { closeOrder, noteAsyncPayment, settlePayment } from '../src/checkout/settle.service';
import { applyRefund } from '../src/checkout/refund.service';
import { drainInbox } from '../src/checkout/webhook-dispatch';
import { reconcileDirectPurchases, reconcilePaidSessions } from '../src/checkout/reconcile.service';
import { stripeSessionLister, type CompletedSessionLister } from '../src/integrations/stripe/checkout';
import { AppError } from '../src/shared/errors';

export interface CheckoutActivityDeps {
  config: Config;
  db: Knex;
  stripe: Stripe;
  /** needed by the activities that start workflows (inbox drain, reconcile); the worker passes its client */
  temporal?: Client;
  /** tests inject a fixed list; by default Stripe's list of completed Checkout Sessions */
  listCompletedSessions?: CompletedSessionLister;
}

/** AppErrors that retrying cannot fix become non-retryable failures; the rest retry. */
async function activityErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && !error.retryable) throw ApplicationFailure.nonRetryable(error.message, error.code, error.details);
    if (error instanceof AppError) throw ApplicationFailure.retryable(error.message, error.code, error.details);
    throw error;
  }
}

function requireTemporal(deps: CheckoutActivityDeps): Client {
  if (!deps.temporal) throw ApplicationFailure.nonRetryable('this worker was built without a Temporal client', 'misconfigured');
  return deps.temporal;
}

export function createCheckoutActivities(deps: CheckoutActivityDeps) {
  return {
    /** Credits a paid order once, or flags it for review (idempotent: ledger key purchase:<id>). */
    settleCheckoutPayment(input: { purchaseId: string; event: PaymentEvent }): Promise<SettleOutcome> {
      return activityErrors(() => settlePayment(deps.db, input.purchaseId, input.event));
    },

    noteAsyncCheckoutPayment(input: { purchaseId: string; event: PaymentEvent }): Promise<SettleOutcome> {
      return activityErrors(() => noteAsyncPayment(deps.db, input.purchaseId, input.event));
    },

    closeCheckoutOrder(input: { purchaseId: string; status: 'expired' | 'failed'; reason: string }): Promise<SettleOutcome> {
      return activityErrors(() => closeOrder(deps.db, input.purchaseId, input.status, input.reason));
    },

    /** Claws back a confirmed refund's unspent credits once (refund row status + ledger key refund:<id>). */
    applyRefundClawback(input: { refundId: string }): Promise<RefundOutcome> {
      return activityErrors(() => applyRefund(deps.db, input.refundId));
    },

    /** Webhook events the API stored but never dispatched (it died, or Temporal was unreachable). */
    drainWebhookInbox(input: { olderThanSeconds: number; limit: number }): Promise<ReconcileResult['inbox']> {
      const temporal = requireTemporal(deps);
      return drainInbox(
        { db: deps.db, stripe: deps.stripe, temporal, taskQueue: deps.config.TEMPORAL_TASK_QUEUE },
        { olderThanMs: input.olderThanSeconds * 1000, limit: input.limit },
      );
    },

    /**
     * Missed webhooks: paid Checkout Sessions with a pending order get their checkoutToCredit, and
     * so do pending direct purchases whose PaymentIntent succeeded (in this activity, so the
     * reconcile workflow's commands stay as they were).
     */
    async reconcilePaidCheckouts(input: { lookbackHours?: number }): Promise<ReconcileResult['sessions']> {
      const temporal = requireTemporal(deps);
      const hours = input.lookbackHours ?? deps.config.CHECKOUT_RECONCILE_LOOKBACK_HOURS;
      const since = new Date(Date.now() - hours * 3600_000);
      const taskQueue = deps.config.TEMPORAL_TASK_QUEUE;
      const sessions = await reconcilePaidSessions(
        { db: deps.db, temporal, taskQueue, listSessions: deps.listCompletedSessions ?? stripeSessionLister(deps.stripe) },
        since,
      );
      const direct = await reconcileDirectPurchases({ db: deps.db, stripe: deps.stripe, temporal, taskQueue }, since);
      return { ...sessions, direct };
    },
  };
}
