import { condition, continueAsNew, defineQuery, defineSignal, isCancellation, proxyActivities, setHandler, workflowInfo, ApplicationFailure } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SubscriptionCommand, SubscriptionEvent, SubscriptionRowView, SubscriptionState, SubscriptionWorkflowInput } from '../src/subscriptions/subscription.types';

const durable = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export const subscriptionEventSignal = defineSignal<[SubscriptionEvent]>('stripeEvent');
export const subscriptionCommandSignal = defineSignal<[SubscriptionCommand]>('command');
export const subscriptionStateQuery = defineQuery<SubscriptionState>('state');

/** Ids of events and requests already handled, carried across continue-as-new (bounded). */
const SEEN_LIMIT = 500;
/** Start a fresh history after this many handled items, so replays stay short. */
const HANDLED_PER_RUN = 1000;

type Work = { type: 'event'; event: SubscriptionEvent } | { type: 'command'; command: SubscriptionCommand };

/**
 * subscription (id subscription:<account id>): the entity workflow of one account's subscription.
 *
 * Stripe facts (signed webhooks) and customer commands arrive as signals and are handled one at a
 * time, in arrival order, each by idempotent activities that decide under the account's locks
 * (so a replayed signal grants nothing twice, and older Stripe states never roll state back).
 * Commands change Stripe first (keyed by the request), then Settle. While the subscription is past
 * due, a durable timer runs to the dunning deadline; unpaid then, the account falls back to free
 * limits until an invoice is paid.
 */
export async function subscription(input: SubscriptionWorkflowInput): Promise<void> {
  if (!input?.accountId) throw ApplicationFailure.nonRetryable('subscription needs an accountId', 'invalid_input');
  const { accountId } = input;
  const queue: Work[] = [];
  const seen = new Set<string>(input.carried?.seenEventIds ?? []);
  let dunningDeadline: string | null = input.carried?.dunningDeadline ?? null;
  const state: SubscriptionState = {
    account_id: accountId,
    step: 'idle',
    status: 'none',
    plan: null,
    pending_plan: null,
    cancel_at_period_end: false,
    dunning_deadline: dunningDeadline,
    handled: input.carried?.handled ?? 0,
    last_event: null,
    last_error: null,
  };
  const follow = (view: SubscriptionRowView) => {
    state.status = view.status;
    state.plan = view.plan;
    state.pending_plan = view.pending_plan;
    state.cancel_at_period_end = view.cancel_at_period_end;
  };

  setHandler(subscriptionEventSignal, (event) => {
    if (seen.has(event.eventId)) return;
    seen.add(event.eventId);
    queue.push({ type: 'event', event });
  });
  setHandler(subscriptionCommandSignal, (command) => {
    const id = `request:${command.requestId}`;
    if (seen.has(id)) return;
    seen.add(id);
    queue.push({ type: 'command', command });
  });
  setHandler(subscriptionStateQuery, () => ({ ...state, dunning_deadline: dunningDeadline }));

  let handledThisRun = 0;
  for (;;) {
    state.step = dunningDeadline ? 'waiting_for_payment' : 'idle';
    // At least 1 ms: a timeout of 0 would mean no timeout at all.
    const untilDeadline = dunningDeadline ? Math.max(1, Date.parse(dunningDeadline) - Date.now()) : undefined;
    const woke = untilDeadline === undefined ? (await condition(() => queue.length > 0), true) : await condition(() => queue.length > 0, untilDeadline);

    if (!woke && dunningDeadline) {
      state.step = 'applying';
      const result = await durable.suspendSubscriptionForDunning({ accountId });
      follow(result.view);
      state.last_event = `dunning:${result.outcome}`;
      dunningDeadline = result.dunningDeadline;
      continue;
    }

    const work = queue.shift()!;
    state.step = 'applying';
    try {
      if (work.type === 'event') {
        const result = await durable.applySubscriptionEvent({ accountId, event: work.event });
        follow(result.view);
        dunningDeadline = result.dunningDeadline;
        state.last_event = `${work.event.kind}:${result.outcome}`;
      } else {
        const sent = await durable.sendSubscriptionCommandToStripe({ accountId, command: work.command });
        const result = await durable.applySubscriptionCommand({ accountId, command: work.command });
        follow(result.view);
        state.last_event = `${work.command.kind}:${sent}:${result.outcome}`;
      }
      state.last_error = null;
    } catch (error) {
      if (isCancellation(error)) throw error;
      // A refusal (e.g. Stripe rejected the change) is recorded; the entity keeps serving the account.
      state.last_error = error instanceof Error ? error.message : String(error);
    }
    state.handled += 1;
    handledThisRun += 1;

    if (queue.length === 0 && (handledThisRun >= HANDLED_PER_RUN || workflowInfo().continueAsNewSuggested)) {
      await continueAsNew<typeof subscription>({
        accountId,
        carried: { dunningDeadline, seenEventIds: [...seen].slice(-SEEN_LIMIT), handled: state.handled },
      });
    }
  }
}
