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

/** The hold, row-locked, and whether it still reserves (captures take the balance row lock first). */
export async function lockHold(db: Db, accountId: string, id: string): Promise<(HoldRow & { live: boolean }) | null> {
  return (await db('holds').where({ account_id: accountId, id }).forUpdate().first('*', db.raw(`(${LIVE}) as live`))) ?? null;
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

export async function listHolds(db: Db, accountId: string, filter: { status: HoldStatus | null; limit: number; offset: number }) {
  const base = db('holds').where({ account_id: accountId });
  if (filter.status) base.where({ status: filter.status });
  const [rows, count] = await Promise.all([
    base.clone().orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filter.limit).offset(filter.offset).select<HoldRow[]>('*'),
    base.clone().count<{ count: string }[]>({ count: '*' }),
  ]);
  return { rows, total: Number(count[0]!.count) };
}

/** Captured: the guarded update of an active hold (the caller holds its row lock). */
export async function markCaptured(db: Db, id: string, capture: { entryId: string; captured: bigint; uncaptured: bigint }): Promise<void> {
  const updated = await db('holds')
    .where({ id, status: 'active' })
    .update({ status: 'captured', settled_at: db.fn.now(), capture_entry_id: capture.entryId, captured: capture.captured.toString(), uncaptured: capture.uncaptured.toString() });
  if (updated !== 1) throw new Error(`hold ${id} was not active when captured`);
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

/** Whether the account's plan charges usage beyond the grants as overage (else: hard limit). */
export async function overageAllowed(db: Db, accountId: string): Promise<boolean> {
  const row = await db('accounts as a').join('plans as p', 'p.id', 'a.plan_id').where('a.id', accountId).first('p.overage_allowed');
  return Boolean(row?.overage_allowed);
}
