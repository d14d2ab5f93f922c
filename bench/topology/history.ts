import { Client, Connection } from '@temporalio/client';

export interface HistoryFigures {
  runs: number;
  events: number;
  bytes: number;
  maxEventsPerRun: number;
}

/**
 * The Temporal history a workflow id cost across its continue-as-new chain: every run's event
 * count and size (visibility, as `temporal workflow list` shows them).
 */
export async function historyOf(address: string, workflowId: string): Promise<HistoryFigures> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const figures: HistoryFigures = { runs: 0, events: 0, bytes: 0, maxEventsPerRun: 0 };
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      // a listing may lag a run that just closed; describe gives its final length
      const described = await client.workflow.getHandle(workflowId, run.runId).describe();
      figures.runs += 1;
      figures.events += described.historyLength;
      figures.bytes += described.historySize ?? 0;
      figures.maxEventsPerRun = Math.max(figures.maxEventsPerRun, described.historyLength);
    }
    return figures;
  } finally {
    await connection.close();
  }
}

export const describeHistory = (h: HistoryFigures, per: number) =>
  `${h.runs} run(s), ${h.events} events (max ${h.maxEventsPerRun} per run), ${(h.bytes / 1024).toFixed(0)} KiB; ${(h.events / per).toFixed(3)} events and ${(h.bytes / per).toFixed(0)} bytes per item`;
