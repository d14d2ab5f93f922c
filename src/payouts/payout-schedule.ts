import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Config } from '../config/config';

/**
 * The monthly payout run as a server-side Temporal Schedule (PAYOUT_SCHEDULE_CRON, UTC; default
 * the 1st at 06:00, after the month-end close at 00:05). Each action starts `publisherPayoutRun`
 * with no arguments: it pays the previous month (see compute/payout-period.ts). A run that is
 * still going when the next one is due is not doubled (overlap SKIP); missed runs within a day of
 * an outage are caught up. The worker ensures it at start with the other schedules
 * (src/worker/schedules.ts).
 */
export const PAYOUT_SCHEDULE_ID = 'publisher-payouts-monthly';

export function payoutScheduleOptions(config: Pick<Config, 'PAYOUT_SCHEDULE_CRON' | 'TEMPORAL_TASK_QUEUE'>) {
  return {
    spec: { cronExpressions: [config.PAYOUT_SCHEDULE_CRON], timezone: 'UTC' },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'publisherPayoutRun',
      workflowId: 'payout-run:scheduled',
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [{}],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  };
}
