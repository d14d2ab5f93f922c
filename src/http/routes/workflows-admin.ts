import crypto from 'node:crypto';
import { z } from 'zod';
import { describeWorkflow } from '../../integrations/temporal/describe-workflow';
import { defineRoute } from '../route';
import { shortText } from '../schemas/common';

const workflowView = z.object({
  id: z.string(),
  type: z.string(),
  status: z.string().meta({ description: 'RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT' }),
  run_id: z.string(),
  started_at: z.string(),
  closed_at: z.string().nullable(),
  result: z.unknown().optional(),
  failure: z.string().optional(),
  state: z.unknown().optional(),
});

export const workflowAdminRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/workflows/:id',
    summary: 'A workflow’s status, result and live state, from Temporal',
    tag: 'Operations',
    access: 'admin',
    params: z.object({ id: z.string().min(1).max(300) }),
    response: { status: 200, description: 'the workflow', schema: workflowView },
    handler: async ({ params, deps }) => ({ status: 200, body: await describeWorkflow(deps.temporal, params.id) }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/admin/system-checks',
    summary: 'Run the system check workflow (API → Temporal → worker → PostgreSQL)',
    tag: 'Operations',
    access: 'admin',
    body: z.strictObject({ note: shortText().default('system check') }).default({ note: 'system check' }),
    response: { status: 202, description: 'started', schema: z.object({ workflow_id: z.string(), status: z.string() }) },
    handler: async ({ body, deps }) => {
      const workflowId = `system-check:${crypto.randomUUID()}`;
      await deps.temporal.workflow.start('systemCheck', {
        workflowId,
        taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
        args: [{ note: body.note }],
      });
      return { status: 202, body: { workflow_id: workflowId, status: 'RUNNING' } };
    },
  }),
];
