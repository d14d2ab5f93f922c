import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { Config } from '../config/config';

/**
 * The month-end close (1st of the month, 00:05 UTC) and the hourly overage report, as
 * server-side Temporal Schedules. Created at worker start; one that exists is left as it is.
 */
export async function ensurePeriodSchedules(client: Client, config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>): Promise<void> {
  const schedules = [
    {
      scheduleId: 'settle-month-end-close',
      spec: { cronExpressions: ['5 0 1 * *'] },
      action: { type: 'startWorkflow' as const, workflowType: 'scheduledClose', workflowId: 'scheduled-close', taskQueue: config.TEMPORAL_TASK_QUEUE, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    },
    {
      scheduleId: 'settle-hourly-overage',
      spec: { cronExpressions: ['2 * * * *'] },
      action: { type: 'startWorkflow' as const, workflowType: 'overageSweep', workflowId: 'overage-sweep', taskQueue: config.TEMPORAL_TASK_QUEUE, args: [{}] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    },
  ];
  for (const schedule of schedules) {
    try {
      await client.schedule.create(schedule);
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
  }
}
