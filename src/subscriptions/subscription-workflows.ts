import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  SUBSCRIPTION_COMMAND_SIGNAL,
  SUBSCRIPTION_EVENT_SIGNAL,
  SUBSCRIPTION_WORKFLOW,
  subscriptionWorkflowId,
  type SubscriptionCommand,
  type SubscriptionEvent,
  type SubscriptionState,
  type SubscriptionWorkflowInput,
} from './subscription.types';

/**
 * Client side of the subscription workflow (webhook handlers, API). Signal-with-start: whichever
 * fact or command comes first starts `subscription:<account id>`, later ones join it.
 */
async function signalSubscription(client: Client, taskQueue: string, accountId: string, signal: string, payload: SubscriptionEvent | SubscriptionCommand): Promise<void> {
  const input: SubscriptionWorkflowInput = { accountId };
  await client.workflow.signalWithStart(SUBSCRIPTION_WORKFLOW, {
    workflowId: subscriptionWorkflowId(accountId),
    taskQueue,
    args: [input],
    signal,
    signalArgs: [payload],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}

export const signalSubscriptionEvent = (client: Client, taskQueue: string, accountId: string, event: SubscriptionEvent) =>
  signalSubscription(client, taskQueue, accountId, SUBSCRIPTION_EVENT_SIGNAL, event);

export const signalSubscriptionCommand = (client: Client, taskQueue: string, accountId: string, command: SubscriptionCommand) =>
  signalSubscription(client, taskQueue, accountId, SUBSCRIPTION_COMMAND_SIGNAL, command);

const within = <T>(promise: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);

/** The workflow's state query, or null when it has not started or Temporal does not answer in time. */
export async function subscriptionWorkflowState(client: Client, accountId: string): Promise<{ id: string; status: string; state: SubscriptionState | null }> {
  const id = subscriptionWorkflowId(accountId);
  const handle = client.workflow.getHandle(id);
  try {
    const description = await within(handle.describe(), 2000);
    if (!description) return { id, status: 'UNKNOWN', state: null };
    const state = description.status.name === 'RUNNING' ? await within(handle.query<SubscriptionState>('state').catch(() => undefined), 2000) : undefined;
    return { id, status: description.status.name, state: state ?? null };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { id, status: 'NOT_STARTED', state: null };
    return { id, status: 'UNKNOWN', state: null };
  }
}
