import { z } from 'zod';
import { INBOX_STATUSES, inboxEventView, listInboxEvents } from '../../checkout/webhook-inbox-list';
import { defineRoute } from '../route';
import { listMeta, listQuery } from '../schemas/common';

const inboxEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  purchase_id: z.string().nullable(),
  livemode: z.boolean(),
  received_at: z.string(),
  processed_at: z.string().nullable(),
  outcome: z.string().nullable(),
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  status: z.enum(INBOX_STATUSES).meta({ description: 'processed; pending (not handed on yet); failing (handed on, with an error, not processed)' }),
});

export const webhookInboxRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/webhook-events',
    summary: 'The Stripe webhook inbox, newest first: each event received, whether it was handed on, and the last error',
    tag: 'Purchases',
    access: 'admin',
    query: listQuery.extend({ status: z.enum(INBOX_STATUSES).optional() }),
    response: { status: 200, description: 'received Stripe events', schema: z.object({ data: z.array(inboxEventSchema), meta: listMeta }) },
    handler: async ({ query, deps }) => {
      const { rows, total } = await listInboxEvents(deps.db, query);
      return { status: 200, body: { data: rows.map(inboxEventView), meta: { total, limit: query.limit, offset: query.offset } } };
    },
  }),
];
