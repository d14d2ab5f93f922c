import type { Db } from '../db/knex';

export interface PeriodRow {
  account_id: string;
  period: string;
  status: 'open' | 'closing' | 'closed';
  included_credits: string;
  used: string;
  expired: string;
  rolled_over: string;
  overage: string;
  overage_reported: string;
  token_overage: string;
  token_overage_reported: string;
  invoice_id: string | null;
  closed_at: Date | null;
}

export interface CloseRow {
  period: string;
  status: 'running' | 'completed' | 'completed_with_failures';
  accounts_total: number;
  accounts_done: number;
  failures: Array<{ account_id: string; reason: string }>;
  workflow_id: string;
  started_at: Date;
  finished_at: Date | null;
}

/** The period row, created open if missing, locked: overage reports for it serialise here. */
export async function lockPeriodRow(db: Db, accountId: string, period: string): Promise<PeriodRow> {
  await db('periods').insert({ account_id: accountId, period }).onConflict(['account_id', 'period']).ignore();
  return (await db<PeriodRow>('periods').where({ account_id: accountId, period }).forUpdate().first())!;
}

export async function listPeriodRows(db: Db, accountId: string): Promise<PeriodRow[]> {
  return db<PeriodRow>('periods').where({ account_id: accountId }).orderBy('period', 'desc');
}

export async function findClose(db: Db, period: string): Promise<CloseRow | null> {
  return (await db<CloseRow>('closes').where({ period }).first()) ?? null;
}

/**
 * Accounts a close of this period still has to do, in id order after `afterId`: those whose
 * open period it is, and those whose close began but did not finish (status closing).
 */
export async function accountsToClose(db: Db, period: string, periodStart: Date, afterId: string | null, limit: number): Promise<string[]> {
  const result = await db.raw(
    `select id from (
       select id from accounts where period_start = ?
       union select account_id from periods where period = ? and status = 'closing'
     ) due where id > ? order by id limit ?`,
    [periodStart, period, afterId ?? '', limit],
  );
  return result.rows.map((row: { id: string }) => row.id);
}

export async function countAccountsToClose(db: Db, period: string, periodStart: Date): Promise<number> {
  const result = await db.raw(
    `select count(*)::int as n from (
       select id from accounts where period_start = ?
       union select account_id from periods where period = ? and status = 'closing'
     ) due`,
    [periodStart, period],
  );
  return result.rows[0].n as number;
}
