import { z } from 'zod';
import { auditEntryView } from '../../audit/audit-view';
import { listAuditEntries } from '../../audit/audit.queries';
import { defineRoute } from '../route';
import { isoDateTime, listMeta, listQuery } from '../schemas/common';

const auditEntrySchema = z.object({
  at: z.string().meta({ description: 'when the write began' }),
  actor_key_id: z.string().meta({ description: 'the admin key that acted (key_bootstrap: the key from ADMIN_API_KEY)' }),
  action: z.string().meta({ description: 'method and route, e.g. DELETE /v1/admin/api-keys/:key_id' }),
  target: z.string().nullable().meta({ description: 'the id written: from the path, else the id the answer named' }),
  request_id: z.string().meta({ description: 'the X-Request-Id of the request' }),
  status: z.number().int().nullable().meta({ description: 'the HTTP status answered; null if the service stopped before answering' }),
});

export const auditAdminRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/admin/audit-log',
    summary: 'Every write made with an admin key, newest first: who, what, on which object, with the request id',
    tag: 'Accounts',
    access: 'admin',
    query: listQuery.extend({
      actor: z.string().trim().min(1).max(64).optional().meta({ description: 'an admin key id' }),
      action: z.string().trim().min(1).max(300).optional().meta({ description: 'exact action, e.g. POST /v1/admin/accounts' }),
      since: isoDateTime.optional().meta({ description: 'only writes at or after this time' }),
    }),
    errors: [403],
    response: { status: 200, description: 'audit entries', schema: z.object({ data: z.array(auditEntrySchema), meta: listMeta }) },
    handler: async ({ query, deps }) => {
      const page = { limit: query.limit, offset: query.offset };
      const { rows, total } = await listAuditEntries(deps.db, { actor: query.actor, action: query.action, since: query.since }, page);
      return { status: 200, body: { data: rows.map(auditEntryView), meta: { total, ...page } } };
    },
  }),
];
