import type { Db } from '../db/knex';
import type { AttemptStatus } from './auto-recharge.types';

export interface SettingsRow {
  account_id: string;
  enabled: boolean;
  threshold: string;
  recharge: string;
  updated_at: Date;
}

export interface AttemptRow {
  account_id: string;
  n: number;
  status: AttemptStatus;
  credits: string;
  amount_minor: string;
  currency: string;
  crossing_entry_id: string | null;
  payment_intent_id: string | null;
  failure_reason: string | null;
  ledger_entry_id: string | null;
  invoice_id: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export async function findSettings(db: Db, accountId: string): Promise<SettingsRow | null> {
  return ((await db('auto_recharge_settings').where({ account_id: accountId }).first()) as SettingsRow | undefined) ?? null;
}

export async function lockSettings(db: Db, accountId: string): Promise<SettingsRow | null> {
  return ((await db('auto_recharge_settings').where({ account_id: accountId }).forUpdate().first()) as SettingsRow | undefined) ?? null;
}

export async function upsertSettings(db: Db, row: { account_id: string; enabled: boolean; threshold: bigint; recharge: bigint }): Promise<SettingsRow> {
  const [saved] = await db('auto_recharge_settings')
    .insert({ ...row, threshold: row.threshold.toString(), recharge: row.recharge.toString(), updated_at: db.fn.now() })
    .onConflict('account_id')
    .merge()
    .returning('*');
  return saved as SettingsRow;
}

/** Thresholds of every enabled account, for the debit path's in-process cache. */
export async function enabledThresholds(db: Db): Promise<Map<string, bigint>> {
  const rows: Array<{ account_id: string; threshold: string }> = await db('auto_recharge_settings').where({ enabled: true }).select('account_id', 'threshold');
  return new Map(rows.map((row) => [row.account_id, BigInt(row.threshold)]));
}

export async function findAttempt(db: Db, accountId: string, n: number): Promise<AttemptRow | null> {
  return ((await db('auto_recharge_attempts').where({ account_id: accountId, n }).first()) as AttemptRow | undefined) ?? null;
}

export async function findPendingAttempt(db: Db, accountId: string): Promise<AttemptRow | null> {
  return ((await db('auto_recharge_attempts').where({ account_id: accountId, status: 'pending' }).first()) as AttemptRow | undefined) ?? null;
}

export async function recentAttempts(db: Db, accountId: string, limit: number): Promise<AttemptRow[]> {
  return (await db('auto_recharge_attempts').where({ account_id: accountId }).orderBy('n', 'desc').limit(limit)) as AttemptRow[];
}

export async function lastAttemptNumber(db: Db, accountId: string): Promise<number> {
  const row = await db('auto_recharge_attempts').where({ account_id: accountId }).max({ n: 'n' }).first();
  return Number(row?.n ?? 0);
}

/**
 * Commits attempt `row.n`. Returns null when the account already has a pending attempt (the
 * partial unique index) or this number is taken: nothing is inserted then.
 */
export async function insertAttempt(
  db: Db,
  row: Pick<AttemptRow, 'account_id' | 'n' | 'status' | 'credits' | 'amount_minor' | 'currency' | 'crossing_entry_id' | 'failure_reason'> & { finished_at?: Date | null },
): Promise<AttemptRow | null> {
  const [inserted] = await db('auto_recharge_attempts').insert(row).onConflict().ignore().returning('*');
  return (inserted as AttemptRow | undefined) ?? null;
}

/** A guarded state change: only from `pending`; false when another run finished it first. */
export async function finishPendingAttempt(
  db: Db,
  key: { account_id: string; n: number },
  changes: Partial<Pick<AttemptRow, 'status' | 'payment_intent_id' | 'failure_reason' | 'ledger_entry_id'>>,
): Promise<boolean> {
  const count = await db('auto_recharge_attempts')
    .where({ ...key, status: 'pending' })
    .update({ ...changes, finished_at: db.fn.now() });
  return count === 1;
}

export async function recordAttemptInvoice(db: Db, key: { account_id: string; n: number }, invoiceId: string): Promise<void> {
  await db('auto_recharge_attempts').where(key).whereNull('invoice_id').update({ invoice_id: invoiceId });
}
