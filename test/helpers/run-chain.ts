import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

export interface RunLink {
  runId: string;
  status: string;
  /** the argument this run continued-as-new with, decoded; null for the run that closed the chain */
  continuedWith: unknown;
}

/**
 * The runs of one workflow chain, first to last, read from Temporal itself: each run's status from
 * `describe()`, and the next run from its ContinuedAsNew history event. The client uses the
 * default data converter, so the default payload converter decodes the carried input.
 */
export async function runChain(client: Client, workflowId: string, firstRunId: string): Promise<RunLink[]> {
  const chain: RunLink[] = [];
  for (let runId: string | null = firstRunId; runId; ) {
    const link = await readRun(client, workflowId, runId);
    chain.push(link.run);
    runId = link.next;
  }
  return chain;
}

async function readRun(client: Client, workflowId: string, runId: string): Promise<{ run: RunLink; next: string | null }> {
  const handle = client.workflow.getHandle(workflowId, runId);
  const { status } = await handle.describe();
  const continued = (await handle.fetchHistory()).events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
  const payload = continued?.input?.payloads?.[0];
  const continuedWith = payload ? defaultPayloadConverter.fromPayload(payload) : null;
  return { run: { runId, status: status.name, continuedWith }, next: continued?.newExecutionRunId ?? null };
}
