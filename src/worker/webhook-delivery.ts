import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';

export const WEBHOOK_DELIVERY_WORKFLOW_ID = 'settle:webhook-delivery';

/**
 * Starts the namespace's one webhookDelivery workflow unless it runs already (another worker, an
 * earlier start). Safe to call at every worker start; not a Schedule because it never ends (it
 * continues as new), and started even where Schedules are off, since outgoing webhooks are part
 * of the product, not a periodic job.
 */
export async function ensureWebhookDelivery(client: Client, config: Config): Promise<void> {
  await client.workflow.start('webhookDelivery', {
    workflowId: WEBHOOK_DELIVERY_WORKFLOW_ID,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [{}],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
