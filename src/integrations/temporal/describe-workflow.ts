import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { NotFoundError } from '../../shared/errors';

export interface WorkflowView {
  id: string;
  type: string;
  status: string;
  run_id: string;
  started_at: string;
  closed_at: string | null;
  result?: unknown;
  failure?: string;
  state?: unknown;
}

/**
 * Status, result and live state of one workflow. Every Settle workflow answers the `state` query;
 * a closed one still answers it from its history.
 */
export async function describeWorkflow(client: Client, id: string): Promise<WorkflowView> {
  const handle = client.workflow.getHandle(id);
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new NotFoundError('Workflow', id);
    throw error;
  }
  const view: WorkflowView = {
    id,
    type: description.type,
    status: description.status.name,
    run_id: description.runId,
    started_at: description.startTime.toISOString(),
    closed_at: description.closeTime?.toISOString() ?? null,
  };
  if (description.status.name === 'COMPLETED') {
    view.result = await handle.result();
  } else if (description.status.name === 'FAILED') {
    view.failure = await handle.result().then(
      () => undefined,
      (error: Error) => (error.cause instanceof Error ? error.cause.message : error.message),
    );
  }
  view.state = await handle.query('state').catch(() => undefined);
  return view;
}
