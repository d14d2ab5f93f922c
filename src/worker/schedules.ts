import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config/config';
import { RECONCILE_WORKFLOW } from '../checkout/checkout.types';
import { periodScheduleDefinitions } from '../periods/close-schedules';
import { PAYOUT_SCHEDULE_ID, payoutScheduleOptions } from '../payouts/payout-schedule';

/**
 * Server-side Temporal Schedules of Settle. Each domain adds one entry to `scheduleDefinitions`.
 * Temporal appends the scheduled time to the workflow id of each run
 * (e.g. `reconcile:scheduled-2026-11-25T12:15:00Z`), so every window has its own id.
 */
export function scheduleDefinitions(config: Config): ScheduleOptions[] {
  return [
    {
      scheduleId: 'settle:reconcile-checkouts',
      spec: { intervals: [{ every: `${config.CHECKOUT_RECONCILE_INTERVAL_MINUTES} minutes` }] },
      action: {
        type: 'startWorkflow',
        workflowType: RECONCILE_WORKFLOW,
        workflowId: 'reconcile:scheduled',
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{}],
        workflowExecutionTimeout: '30 minutes',
      },
      policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
      memo: { purpose: 'missed Stripe webhooks and undispatched inbox events → checkoutToCredit' },
    },
    ...periodScheduleDefinitions(config),
    { scheduleId: PAYOUT_SCHEDULE_ID, ...payoutScheduleOptions(config) },
  ];
}

/**
 * Creates every schedule that does not exist yet; one that exists (another worker, an earlier
 * start) is brought up to date with its definition. Safe to call at every worker start.
 */
export async function ensureSchedules(client: Client, config: Config): Promise<string[]> {
  const ensured: string[] = [];
  for (const definition of scheduleDefinitions(config)) {
    await ensureSchedule(client, definition);
    ensured.push(definition.scheduleId);
  }
  return ensured;
}

/** Creates one schedule, or updates its spec, action and policies in place. Idempotent. */
export async function ensureSchedule(client: Client, definition: ScheduleOptions): Promise<{ created: boolean }> {
  try {
    await client.schedule.create(definition);
    return { created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(definition.scheduleId).update((previous) => ({
    ...previous,
    spec: definition.spec,
    action: definition.action,
    policies: { ...previous.policies, ...definition.policies },
  }));
  return { created: false };
}
