import type { Knex } from 'knex';
import { recordEvent } from '../outgoing-webhooks/record-event';
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

/**
 * After a page: progress is counted from the period rows this run closed, not added up from
 * pages, so a page retried after a crash (its first attempt closed accounts and never reported)
 * counts them once, and a page whose recording was retried counts nothing twice. A page's
 * failures replace those it recorded before.
 */
export async function recordCloseBatch(db: Knex, key: string, accountIds: string[], failures: CloseFailure[]): Promise<void> {
  await db('closes')
    .where({ period: key })
    .update({
      accounts_done: closedThisRun(db, key),
      failures: db.raw(
        `(select coalesce(jsonb_agg(f), '[]'::jsonb) from jsonb_array_elements(failures) f
           where f->>'account_id' not in (select jsonb_array_elements_text(?::jsonb))) || ?::jsonb`,
        [JSON.stringify(accountIds), JSON.stringify(failures)],
      ),
    });
}

/** Of `accountIds`, how many have been closed by this run of the close (by any attempt). */
export async function countClosedThisRun(db: Knex, key: string, accountIds: string[]): Promise<number> {
  const row = await db('periods as p')
    .join('closes as c', 'c.period', 'p.period')
    .where({ 'p.period': key, 'p.status': 'closed' })
    .whereIn('p.account_id', accountIds)
    .whereRaw('p.closed_at >= c.started_at')
    .count<{ n: string }>({ n: '*' })
    .first();
  return Number(row?.n ?? 0);
}

function closedThisRun(db: Knex, key: string) {
  return db.raw(`(select count(*)::int from periods p where p.period = ? and p.status = 'closed' and p.closed_at >= closes.started_at)`, [key]);
}

export async function finishCloseRun(db: Knex, key: string): Promise<CloseRow> {
  return db.transaction(async (trx) => {
    await trx('closes')
      .where({ period: key })
      .update({
        accounts_done: closedThisRun(trx, key),
        status: trx.raw(`case when jsonb_array_length(failures) > 0 then 'completed_with_failures' else 'completed' end`),
        finished_at: trx.fn.now(),
      });
    const close = (await findClose(trx, key))!;
    // once per run (a retried finish step is the same run): close.failed when any account failed
    await recordEvent(trx, {
      type: close.status === 'completed' ? 'close.completed' : 'close.failed',
      accountId: null,
      data: closeView(close),
      dedupeKey: `close:${key}:${close.started_at.toISOString()}`,
    });
    return close;
  });
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
