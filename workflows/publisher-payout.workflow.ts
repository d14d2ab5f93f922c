import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  continueAsNew,
  defineQuery,
  executeChild,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { PayoutWindowInput } from '../activities/payouts.activities';
import { payoutWorkflowId } from '../src/payouts/payout-keys';

const { preparePayout, markPayoutFailed, planPayoutRun, payoutRunPage, payoutRunCounts } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Retryable Stripe failures are retried with the same idempotency key until Stripe answers: giving
// up on an unknown outcome and sending a new key later is how a payout gets paid twice. The
// heartbeat lets a restarted worker take over an attempt whose worker died mid-call.
const { sendPayoutTransfer } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '8 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

type Status = 'pending' | 'paid' | 'failed' | 'held' | 'carried_forward';

export interface PublisherPayoutInput {
  payoutId: string;
  publisherId: string;
  period: string;
  asOf: string;
}

export interface PublisherPayoutState {
  step: 'preparing' | 'transferring' | 'recording_failure' | 'done';
  payoutId: string;
  status: Status | null;
  amount: string | null;
  currency: string | null;
  attempt: number;
  idempotencyKey: string | null;
  transferId: string | null;
  failureCode: string | null;
  failureReason: string | null;
}

export const payoutStateQuery = defineQuery<PublisherPayoutState>('state');

/** One publisher's payout for one period: `payout:<publisher>:<period>` (retries: `…:retry-<n>`). */
export async function publisherPayout(input: PublisherPayoutInput): Promise<PublisherPayoutState> {
  const state: PublisherPayoutState = {
    step: 'preparing',
    payoutId: input.payoutId,
    status: null,
    amount: null,
    currency: null,
    attempt: 0,
    idempotencyKey: null,
    transferId: null,
    failureCode: null,
    failureReason: null,
  };
  setHandler(payoutStateQuery, () => state);

  const prepared = await preparePayout({ payoutId: input.payoutId, asOf: input.asOf });
  Object.assign(state, {
    status: prepared.status,
    amount: prepared.amount,
    currency: prepared.currency,
    attempt: prepared.attempts,
    idempotencyKey: prepared.idempotency_key,
    failureCode: prepared.failure_code,
    failureReason: prepared.failure_reason,
  });
  if (prepared.status !== 'pending') {
    state.step = 'done';
    return state;
  }

  state.step = 'transferring';
  try {
    const outcome = await sendPayoutTransfer({ payoutId: input.payoutId, attempt: prepared.attempts });
    if (outcome.kind === 'paid') Object.assign(state, { status: 'paid', transferId: outcome.transferId });
    else if (outcome.kind === 'superseded') state.status = outcome.status;
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || !cause.nonRetryable) throw error;
    state.step = 'recording_failure';
    const code = cause.type ?? 'stripe_error';
    await markPayoutFailed({ payoutId: input.payoutId, attempt: prepared.attempts, code, reason: cause.message });
    Object.assign(state, { status: 'failed', failureCode: code, failureReason: cause.message });
  }
  state.step = 'done';
  return state;
}

type RunOutcome = Status | 'error' | 'in_progress_elsewhere';

export interface PayoutRunInput {
  period?: string;
  asOf?: string;
  /** payouts per workflow run before continue-as-new (default PER_RUN); tests lower it to cross runs */
  perRun?: number;
  /** set by continue-as-new; `byStatus` is absent in resumes written before it was carried */
  resume?: { window: PayoutWindowInput; afterId: string | null; processed: number; planned: number; byStatus?: PayoutRunState['byStatus'] };
}

export interface PayoutRunState {
  step: 'planning' | 'paying' | 'done';
  period: string | null;
  asOf: string | null;
  planned: number;
  processed: number;
  /** outcomes of the children, summed across continue-as-new (the CLI's summary) */
  byStatus: Partial<Record<RunOutcome, number>>;
  /** all of the period's payouts by status, when done */
  periodCounts: Record<string, number> | null;
}

export const payoutRunStateQuery = defineQuery<PayoutRunState>('state');

const PAGE = 100;
const CONCURRENCY = 10;
const PER_RUN = 1000; // payouts per workflow run before continue-as-new keeps history small

/**
 * A monthly (or operator-started) payout run: plans the period's payouts, then runs one
 * `publisherPayout` child per publisher, ten at a time. Safe to re-run.
 */
export async function publisherPayoutRun(input: PayoutRunInput = {}): Promise<PayoutRunState> {
  const state: PayoutRunState = { step: 'planning', period: null, asOf: null, planned: 0, processed: 0, byStatus: {}, periodCounts: null };
  setHandler(payoutRunStateQuery, () => state);
  const perRun = input.perRun ?? PER_RUN;
  if (!Number.isSafeInteger(perRun) || perRun < 1) {
    // 0 would make every page empty: a run that "completes" having paid nobody.
    throw ApplicationFailure.nonRetryable(`perRun must be a positive integer, got ${perRun}`, 'invalid_input');
  }

  let window: PayoutWindowInput;
  if (input.resume) {
    window = input.resume.window;
    Object.assign(state, { planned: input.resume.planned, processed: input.resume.processed, byStatus: { ...input.resume.byStatus } });
  } else {
    const plan = await planPayoutRun({ period: input.period, asOf: input.asOf });
    window = { period: plan.period, asOf: plan.asOf, currency: plan.currency };
    state.planned = plan.planned;
  }
  Object.assign(state, { step: 'paying', period: window.period, asOf: window.asOf });

  let afterId = input.resume?.afterId ?? null;
  let inThisRun = 0;
  for (;;) {
    // A page never crosses the run's limit, so no run pays more than perRun.
    const page = await payoutRunPage({ ...window, afterId, limit: Math.min(PAGE, perRun - inThisRun) });
    if (page.length === 0) break;
    for (let i = 0; i < page.length; i += CONCURRENCY) {
      await Promise.all(
        page.slice(i, i + CONCURRENCY).map(async (planned) => {
          const key = await runChild({ payoutId: planned.payoutId, publisherId: planned.publisherId, period: window.period, asOf: window.asOf });
          state.byStatus[key] = (state.byStatus[key] ?? 0) + 1;
          state.processed += 1;
        }),
      );
    }
    afterId = page[page.length - 1]!.payoutId;
    inThisRun += page.length;
    if (inThisRun >= perRun || workflowInfo().continueAsNewSuggested) {
      const resume = { window, afterId, processed: state.processed, planned: state.planned, byStatus: state.byStatus };
      return continueAsNew<typeof publisherPayoutRun>({ perRun: input.perRun, resume });
    }
  }
  state.periodCounts = await payoutRunCounts({ period: window.period });
  state.step = 'done';
  return state;
}

async function runChild(input: PublisherPayoutInput): Promise<RunOutcome> {
  try {
    const result = await executeChild(publisherPayout, {
      workflowId: payoutWorkflowId(input.publisherId, input.period),
      args: [input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
    return result.status ?? 'error';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'in_progress_elsewhere';
    return 'error';
  }
}
