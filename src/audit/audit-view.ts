import type { AuditRow } from './audit.queries';

/** One audit row as GET /v1/admin/audit-log shows it. */
export function auditEntryView(row: AuditRow) {
  return {
    at: row.at.toISOString(),
    actor_key_id: row.actor_key_id,
    action: row.action,
    target: row.target,
    request_id: row.request_id,
    status: row.status,
  };
}
