import { z } from 'zod';
import { taskDetail } from '../../tasks/tasks.service';
import { accountIdOf } from '../principal';
import { defineRoute } from '../route';

/** Per-task usage (seeds 001, 002): what the events naming a task_id used, summed. */
const tokens = z.object({ input: z.number(), output: z.number(), cacheWrite: z.number(), cacheRead: z.number(), total: z.number() });

export const taskRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/tasks/:task_id',
    summary: 'One task: credits used, tokens and events of the usage that named it, with a breakdown by model and tool',
    tag: 'Credits',
    access: 'account',
    params: z.object({ task_id: z.string().trim().min(1).max(200) }),
    response: {
      status: 200,
      description: 'the task',
      schema: z.object({
        task_id: z.string(),
        creditsUsed: z.number().meta({ description: 'credits charged to the task, markup and rounding included' }),
        credits_used: z.number(),
        tokens,
        events: z.number().int().meta({ description: 'usage events that named the task' }),
        first_at: z.string(),
        last_at: z.string(),
        breakdown: z.array(z.record(z.string(), z.unknown())).meta({ description: 'one line per model and per tool (summed), then the markup and rounding of its agent runs; the lines add up to creditsUsed' }),
      }),
    },
    handler: async ({ params, principal, deps }) => ({ status: 200, body: await taskDetail(deps.db, accountIdOf(principal), params.task_id) }),
  }),
];
