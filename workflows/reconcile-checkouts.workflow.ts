import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ReconcileInput, ReconcileResult } from '../src/checkout/checkout.types';

const { drainWebhookInbox, reconcilePaidCheckouts } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
});

export interface ReconcileState {
  step: 'draining_inbox' | 'listing_sessions' | 'done';
  result: Partial<ReconcileResult>;
}

export const reconcileStateQuery = defineQuery<ReconcileState>('state');

/**
 * reconcileCheckouts (Schedule every 15 minutes; id reconcile:…): first re-dispatches webhook
 * events the API stored but never handed off, then starts checkoutToCredit for paid Checkout
 * Sessions whose order is still pending (missed webhooks). Safe to run any number of times.
 */
export async function reconcileCheckouts(input: ReconcileInput = {}): Promise<ReconcileResult> {
  const state: ReconcileState = { step: 'draining_inbox', result: {} };
  setHandler(reconcileStateQuery, () => state);
  state.result.inbox = await drainWebhookInbox({ olderThanSeconds: 60, limit: 1000 });
  state.step = 'listing_sessions';
  state.result.sessions = await reconcilePaidCheckouts({ lookbackHours: input.lookbackHours });
  state.step = 'done';
  return state.result as ReconcileResult;
}
