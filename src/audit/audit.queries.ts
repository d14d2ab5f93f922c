import type { Db } from '../db/knex';

export interface AuditRow {
  id: string;
  at: Date;
  actor_key_id: string;
  action: string;
  target: string | null;
  request_id: string;
  status: number | null;
  completed_at: Date | null;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  since?: Date;
}

export async function insertAuditEntry(db: Db, row: Pick<AuditRow, 'actor_key_id' | 'action' | 'target' | 'request_id'>): Promise<string> {
  const [inserted] = await db('audit_log').insert(row).returning('id');
  return String((inserted as { id: string }).id);
}

/** Completes a row once: the first answer recorded is the one kept. */
export async function completeAuditEntry(db: Db, id: string, outcome: { status: number; target: string | null }): Promise<void> {
  await db('audit_log')
    .where({ id })
    .whereNull('completed_at')
    .update({ status: outcome.status, target: db.raw('coalesce(target, ?)', [outcome.target]), completed_at: db.fn.now() });
}

export async function listAuditEntries(db: Db, filter: AuditFilter, page: { limit: number; offset: number }): Promise<{ rows: AuditRow[]; total: number }> {
  const filtered = () => {
    const query = db<AuditRow>('audit_log');
    if (filter.actor) query.where('actor_key_id', filter.actor);
    if (filter.action) query.where('action', filter.action);
    if (filter.since) query.where('at', '>=', filter.since);
    return query;
  };
  const [rows, counted] = await Promise.all([
    filtered().select('*').orderBy('id', 'desc').limit(page.limit).offset(page.offset),
    filtered().count<{ count: string }[]>({ count: '*' }),
  ]);
  return { rows, total: Number(counted[0]?.count ?? 0) };
}
