import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import { previousPeriodKey } from '../src/periods/compute/calendar-month';
import { monthEndClose } from './month-end-close.workflow';

/**
 * What the monthly Schedule starts (1st of the month, 00:05 UTC). Schedules name their runs
 * themselves, so this closes the month before its start time under the business id
 * `close:<YYYY-MM>` (leaving a close that finance ops already started to run).
 * `at` stands in for the start time (a Schedule passes none): tests use it to close a month that
 * no real close can have, since workflow ids are namespace-wide.
 */
export async function scheduledClose(input: { at?: string } = {}): Promise<string> {
  const period = previousPeriodKey(input.at ? new Date(input.at) : workflowInfo().startTime);
  const workflowId = `close:${period}`;
  await startChild(monthEndClose, {
    workflowId,
    args: [{ period }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  }).catch((error: unknown) => {
    // finance ops already started this close: it carries on, nothing to start
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  });
  return workflowId;
}
