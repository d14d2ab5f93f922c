import type { Client } from '@temporalio/client';
import { AUTO_RECHARGE_WORKFLOW, CROSSING_SIGNAL, autoRechargeWorkflowId, type AutoRechargeWorkflowInput, type Crossing } from './auto-recharge.types';

/**
 * Hands one threshold crossing to the account's `auto-recharge:<account id>` workflow.
 * Signal-with-start: the first crossing starts it, crossings while it runs join it
 * (USE_EXISTING), so concurrent debits and API processes never run two recharges side by side.
 * Reuse ALLOW_DUPLICATE: a crossing after the run finished starts a fresh one; the attempt rows
 * (one pending at most, numbered per account) carry what must not happen twice.
 */
export async function signalAutoRecharge(client: Client, taskQueue: string, accountId: string, crossing: Crossing): Promise<void> {
  const input: AutoRechargeWorkflowInput = { accountId };
  await client.workflow.signalWithStart(AUTO_RECHARGE_WORKFLOW, {
    workflowId: autoRechargeWorkflowId(accountId),
    taskQueue,
    args: [input],
    signal: CROSSING_SIGNAL,
    signalArgs: [crossing],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  });
}
