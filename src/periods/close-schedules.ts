import { ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import type { Config } from '../config/config';

/**
 * The month-end close (1st of the month, 00:05 UTC) and the hourly overage report, as
 * server-side Temporal Schedules (created at worker start by src/worker/schedules.ts).
 */
const CLOSE_SCHEDULE_ID = 'settle:month-end-close';
const OVERAGE_SCHEDULE_ID = 'settle:hourly-overage';

export function periodScheduleDefinitions(config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>): ScheduleOptions[] {
  return [
    {
      scheduleId: CLOSE_SCHEDULE_ID,
      spec: { cronExpressions: ['5 0 1 * *'], timezone: 'UTC' },
      action: { type: 'startWorkflow', workflowType: 'scheduledClose', workflowId: 'close:scheduled', taskQueue: config.TEMPORAL_TASK_QUEUE, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    },
    {
      scheduleId: OVERAGE_SCHEDULE_ID,
      spec: { cronExpressions: ['2 * * * *'], timezone: 'UTC' },
      action: { type: 'startWorkflow', workflowType: 'overageSweep', workflowId: 'overage:scheduled', taskQueue: config.TEMPORAL_TASK_QUEUE, args: [{}] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    },
  ];
}
