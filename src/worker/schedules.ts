import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import { ensurePeriodSchedules } from '../periods/close-schedules';
import { ensurePayoutSchedule } from '../payouts/payout-schedule';

/** Every Temporal Schedule Settle runs, created idempotently when a worker starts. */
export async function ensureSchedules(client: Client, config: Config): Promise<void> {
  await ensurePeriodSchedules(client, config);
  await ensurePayoutSchedule(client, config);
}
