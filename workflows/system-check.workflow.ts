import { proxyActivities, defineQuery, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { recordSystemCheck, checkStripeFromWorker } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});

export interface SystemCheckState {
  step: 'starting' | 'writing' | 'checking_stripe' | 'done';
}

export interface SystemCheckResult {
  id: string;
  note: string;
  checkedAt: string;
  roundTripOk: boolean;
  /** absent in checks started before the worker checked Stripe too */
  stripeOk?: boolean;
  stripeError?: string | null;
}

export const systemCheckStateQuery = defineQuery<SystemCheckState>('state');

/** The change that added the Stripe step; see CONTRIBUTING.md, "Changing workflow code". */
export const STRIPE_STEP_PATCH = 'system-check-stripe-from-worker';

/**
 * Proves the whole path: API → Temporal → worker → activity → PostgreSQL. The activity writes a
 * row keyed by this workflow's id and reads it back; then the worker checks that it reaches Stripe.
 */
export async function systemCheck(input: { note: string }): Promise<SystemCheckResult> {
  const state: SystemCheckState = { step: 'starting' };
  setHandler(systemCheckStateQuery, () => state);
  state.step = 'writing';
  const result: SystemCheckResult = await recordSystemCheck({ id: workflowInfo().workflowId, note: input.note });
  // Checks started by the code before this step replay without it (patched() is false for them).
  if (patched(STRIPE_STEP_PATCH)) {
    state.step = 'checking_stripe';
    Object.assign(result, await checkStripeFromWorker());
  }
  state.step = 'done';
  return result;
}
