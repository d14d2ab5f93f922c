import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { deliverWebhooks } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '15 seconds', // a dead worker's session starts again elsewhere within seconds; slack for a loaded machine
  // forever: a database outage only pauses delivery
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

export interface WebhookDeliveryInput {
  /** length of one delivery session (one activity) */
  sessionSeconds?: number;
  /** sessions before the workflow continues as new, which keeps its history short */
  sessionsPerRun?: number;
}

/**
 * webhookDelivery (one per namespace, id settle:webhook-delivery, started by every worker at
 * start-up if not running): drains the events outbox into signed deliveries, forever. The work
 * and the retry schedule are in the database (webhook_deliveries.next_attempt_at), not in
 * Temporal timers, so thousands of pending retries cost rows, not history; Temporal keeps the
 * loop alive across worker crashes and deploys.
 */
export async function webhookDelivery(input: WebhookDeliveryInput = {}): Promise<void> {
  const sessions = input.sessionsPerRun ?? 60;
  for (let i = 0; i < sessions; i++) {
    await deliverWebhooks({ seconds: input.sessionSeconds ?? 60 });
  }
  await continueAsNew<typeof webhookDelivery>(input);
}
