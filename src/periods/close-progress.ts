import type { Knex } from 'knex';
import { parsePeriodKey } from './compute/calendar-month';
import { countAccountsToClose, findClose, type CloseRow } from './periods.queries';

export interface CloseFailure {
  account_id: string;
  reason: string;
}

/**
 * A close run begins: how many accounts it has to close (failures of earlier runs are cleared).
 * A completed close with nothing left to do is not begun again: its row is the answer.
 */
export async function beginCloseRun(db: Knex, key: string, workflowId: string): Promise<{ total: number; finished: CloseRow | null }> {
  const total = await countAccountsToClose(db, key, parsePeriodKey(key)!.start);
  const existing = await findClose(db, key);
  if (existing?.status === 'completed' && total === 0) return { total: 0, finished: existing };
  await db('closes')
    .insert({ period: key, status: 'running', accounts_total: total, accounts_done: 0, failures: JSON.stringify([]), workflow_id: workflowId, started_at: db.fn.now(), finished_at: null })
    .onConflict('period')
    .merge();
  return { total, finished: null };
}

export async function recordCloseBatch(db: Knex, key: string, done: number, failures: CloseFailure[]): Promise<void> {
  await db('closes')
    .where({ period: key })
    .update({
      accounts_done: db.raw('accounts_done + ?', [done]),
      failures: db.raw('failures || ?::jsonb', [JSON.stringify(failures)]),
    });
}

export async function finishCloseRun(db: Knex, key: string): Promise<CloseRow> {
  await db('closes')
    .where({ period: key })
    .update({
      status: db.raw(`case when jsonb_array_length(failures) > 0 then 'completed_with_failures' else 'completed' end`),
      finished_at: db.fn.now(),
    });
  return (await findClose(db, key))!;
}

export function closeView(row: CloseRow) {
  return {
    period: row.period,
    status: row.status,
    accounts_total: row.accounts_total,
    accounts_done: row.accounts_done,
    failures: row.failures,
    workflow_id: row.workflow_id,
    started_at: row.started_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}
