import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { completeAuditEntry, insertAuditEntry } from './audit.queries';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isWriteMethod(method: string): boolean {
  return WRITE_METHODS.has(method.toUpperCase());
}

export interface AdminWrite {
  actorKeyId: string;
  /** Method and route pattern, e.g. `DELETE /v1/admin/api-keys/:key_id`: one action per route. */
  action: string;
  /** The path's id when the route has one. */
  target: string | null;
  requestId: string;
}

/**
 * Records an admin write in two steps around its handler. The row is committed before the write
 * runs, so no admin write happens without a trace: if the database cannot take the row the write
 * is refused, and a process that dies mid-write leaves a row with no status. The status is then
 * added after the handler; that second step is best effort (a failure is logged, the answer stands).
 * It is not the same transaction as the change itself, which would need every service to take one.
 */
export async function beginAdminWrite(db: Knex, write: AdminWrite): Promise<(status: number, answeredTarget: string | null) => Promise<void>> {
  const id = await insertAuditEntry(db, { actor_key_id: write.actorKeyId, action: write.action, target: write.target, request_id: write.requestId });
  return async (status, answeredTarget) => completeAuditEntry(db, id, { status, target: answeredTarget });
}

/** The id an answer names (`id`, `key_id`, …), for writes whose target only exists afterwards. */
export function targetNamedBy(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const record = body as Record<string, unknown>;
  const data = record.data && typeof record.data === 'object' ? (record.data as Record<string, unknown>) : null;
  for (const candidate of [record.id, record.key_id, data?.id]) {
    if (typeof candidate === 'string' && candidate.length <= 200) return candidate;
  }
  return null;
}

export function logAuditFailure(log: Logger, error: unknown, requestId: string): void {
  log.error({ err: error, request_id: requestId }, 'audit log: could not record the outcome of an admin write');
}
