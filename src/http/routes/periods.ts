import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { closeView } from '../../periods/close-progress';
import { parsePeriodKey } from '../../periods/compute/calendar-month';
import { findClose, listPeriodRows } from '../../periods/periods.queries';
import { periodsOfAccount } from '../../periods/periods-view';
import { NotFoundError, ValidationError } from '../../shared/errors';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';
import { periodKey } from '../schemas/dates';


const closeStatus = z.object({
  period: z.string(),
  status: z.string(),
  accounts_total: z.number(),
  accounts_done: z.number(),
  failures: z.array(z.object({ account_id: z.string(), reason: z.string() })),
  workflow_id: z.string(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
});

export const periodRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/billing/periods',
    summary: 'The account’s billing periods: the open one and every closed one',
    tag: 'Periods',
    access: 'account',
    response: { status: 200, description: 'periods, newest first', schema: z.object({ data: z.array(z.record(z.string(), z.unknown())) }) },
    handler: async ({ principal, deps }) => {
      const accountId = accountIdOf(principal);
      return { status: 200, body: { data: await periodsOfAccount(deps.db, accountId, await listPeriodRows(deps.db, accountId)) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/closes',
    summary: 'Start (or join) the month-end close of a period',
    tag: 'Periods',
    access: 'admin',
    body: z.strictObject({ period: periodKey }),
    errors: [503],
    response: { status: 202, description: 'the close', schema: z.object({ period: z.string(), workflow_id: z.string(), status: z.string() }) },
    handler: async ({ body, deps }) => {
      const period = parsePeriodKey(body.period)!;
      if (period.end > new Date()) throw new ValidationError(`Period ${body.period} has not ended yet; it can be closed from ${period.end.toISOString()}`, { field: 'period' });
      const workflowId = `close:${body.period}`;
      // A running close is joined; a finished one runs again only to pick up what is left
      // (failed accounts), and otherwise answers its result without changing anything.
      try {
        await deps.temporal.workflow.start('monthEndClose', {
          workflowId,
          taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
          args: [{ period: body.period }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      const description = await deps.temporal.workflow.getHandle(workflowId).describe();
      return { status: 202, body: { period: body.period, workflow_id: workflowId, status: description.status.name === 'RUNNING' ? 'running' : (await findClose(deps.db, body.period))?.status ?? 'running' } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/admin/closes/:period',
    summary: 'Progress and failures of a period’s close',
    tag: 'Periods',
    access: 'admin',
    params: z.object({ period: periodKey }),
    response: { status: 200, description: 'the close', schema: closeStatus },
    handler: async ({ params, deps }) => {
      const row = await findClose(deps.db, params.period);
      if (!row) throw new NotFoundError('Close', params.period);
      return { status: 200, body: closeView(row) };
    },
  }),
];
