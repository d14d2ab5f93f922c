import type { Db } from '../db/knex';

export type HoldStatus = 'active' | 'captured' | 'released' | 'expired';

export interface HoldRow {
  id: string;
  account_id: string;
  amount: string;
  status: HoldStatus;
  expires_at: Date;
  agent: string | null;
  task_id: string | null;
  idempotency_key: string;
  request_hash: string;
  available_after: string;
  created_at: Date;
  settled_at: Date | null;
  capture_entry_id: string | null;
  captured: string | null;
  uncaptured: string | null;
}

/** Active and not past `expires_at` (the database clock): the only holds that reserve credits. */
const LIVE = `status = 'active' and expires_at > now()`;

export async function findHold(db: Db, accountId: string, id: string): Promise<HoldRow | null> {
  return (await db<HoldRow>('holds').where({ account_id: accountId, id }).first()) ?? null;
}

export async function findHoldByCaptureEntry(db: Db, entryId: string): Promise<HoldRow | null> {
  return (await db<HoldRow>('holds').where({ capture_entry_id: entryId }).first()) ?? null;
}

/** Σ amount of the account's live holds, optionally leaving one out. */
export async function heldCredits(db: Db, accountId: string, except: string | null = null): Promise<bigint> {
  const query = db('holds').where({ account_id: accountId }).whereRaw(LIVE);
  if (except) query.whereNot({ id: except });
  const [row] = await query.sum<{ total: string | null }[]>({ total: 'amount' });
  return BigInt(row?.total ?? 0);
}

/**
 * Marks the account's passed holds expired. They already reserve nothing (every sum checks
 * `expires_at`); this keeps the history honest and the partial index of active holds small.
 * Rows another transaction has locked (a capture or release deciding them) are left to it.
 */
export async function sweepExpiredHolds(db: Db, accountId: string): Promise<void> {
  await db.raw(
    `update holds h set status = 'expired', settled_at = h.expires_at
      where h.id in (select id from holds where account_id = ? and status = 'active' and expires_at <= now() for update skip locked)`,
    [accountId],
  );
}

/**
 * The periodic sweep's step (src/holds/expiry-sweep.ts): marks up to `limit` passed holds of any
 * account expired, oldest expiry first, through the partial index of active holds by expiry.
 * Skips rows another transaction has locked, as above. Returns how many it marked.
 */
export async function sweepPassedHolds(db: Db, limit: number): Promise<number> {
  const result = await db.raw(
    `update holds h set status = 'expired', settled_at = h.expires_at
      where h.id in (select id from holds where status = 'active' and expires_at <= now() order by expires_at limit ? for update skip locked)`,
    [limit],
  );
  return result.rowCount ?? 0;
}

export async function listHolds(db: Db, accountId: string, filter: { status: HoldStatus | null; limit: number; offset: number }) {
  const base = db('holds').where({ account_id: accountId });
  if (filter.status) base.where({ status: filter.status });
  const [rows, count] = await Promise.all([
    base.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit).offset(filter.offset).select<HoldRow[]>('*'),
    base.clone().count<{ count: string }[]>({ count: '*' }),
  ]);
  return { rows, total: Number(count[0]!.count) };
}

/** Released: one guarded update; null when the hold is not (or no longer) live. */
export async function markReleased(db: Db, accountId: string, id: string): Promise<HoldRow | null> {
  const [row] = await db<HoldRow>('holds')
    .where({ account_id: accountId, id })
    .whereRaw(LIVE)
    .update({ status: 'released', settled_at: db.fn.now() })
    .returning('*');
  return row ?? null;
}
