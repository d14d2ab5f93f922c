import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config/config';
import { ensureSchedules } from '../../src/worker/schedules';
import { readStackInfo } from '../helpers/stack-info';

describe('Temporal Schedules', () => {
  it('are created at worker start, idempotently', async () => {
    const stack = readStackInfo();
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace: stack.temporalNamespace });
    const config = loadConfig({ TEMPORAL_TASK_QUEUE: `schedules-test-${Date.now()}` }, 'embedded');
    try {
      await ensureSchedules(client, config);
      await ensureSchedules(client, config); // a second worker start changes nothing
      const close = await client.schedule.getHandle('settle:month-end-close').describe();
      expect(close.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduledClose' });
      const payouts = await client.schedule.getHandle('publisher-payouts-monthly').describe();
      expect(payouts.action).toMatchObject({ type: 'startWorkflow', workflowType: 'publisherPayoutRun' });
      const hourly = await client.schedule.getHandle('settle:hourly-overage').describe();
      expect(hourly.action).toMatchObject({ type: 'startWorkflow', workflowType: 'overageSweep' });
      const next = close.info.nextActionTimes[0]!;
      expect([next.getUTCDate(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([1, 0, 5]);
    } finally {
      for (const id of ['settle:reconcile-checkouts', 'settle:month-end-close', 'settle:hourly-overage', 'publisher-payouts-monthly']) await client.schedule.getHandle(id).delete().catch(() => undefined);
      await connection.close();
    }
  });
});
