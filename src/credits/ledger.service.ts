import type { Db } from '../db/knex';
import { inTransaction } from '../db/transaction';
import { ConflictError, NotFoundError } from '../shared/errors';
import { newId } from '../shared/ids';
import { DEFAULT_PRIORITY, type GrantKind, type Unit } from './compute/burn-order';
import { appendEntry, findEntryByKey, findGrant, insertGrant, lockBalance, reduceGrant, type GrantRow, type LedgerEntryRow } from './ledger.queries';

/**
 * Every change of a balance goes through here or through `settle_debit` (the hot path): lock
 * the balance row, look for the idempotency key, change grants, append one ledger entry.
 */
export type EntryType = 'grant' | 'purchase' | 'deposit' | 'voucher' | 'debit' | 'usage' | 'expiry' | 'refund' | 'adjustment' | 'rollover';

export interface Posted {
  entry: LedgerEntryRow;
  grant: GrantRow | null;
  replayed: boolean;
}

/** Same key + same request → the original; same key + another request → 409. */
export function checkReplay(existing: { requestHash: string | null; idempotencyKey: string }, requestHash: string | null): void {
  if (existing.requestHash !== requestHash) {
    throw new ConflictError(
      'This Idempotency-Key was already used with a different request; use a new key for a new request',
      { idempotency_key: existing.idempotencyKey.replace(/^req:/, '') },
      'idempotency_conflict',
    );
  }
}

export interface CreditInput {
  accountId: string;
  unit: Unit;
  kind: GrantKind;
  amount: bigint;
  type: EntryType;
  idempotencyKey: string;
  requestHash?: string | null;
  priority?: number;
  startsAt?: Date;
  expiresAt?: Date | null;
  source?: string | null;
  description?: string | null;
  reference?: string | null;
  effectiveAt?: Date;
}

/** Adds a grant (credit lot) and its ledger entry, once per idempotency key. */
export function postCredit(db: Db, input: CreditInput): Promise<Posted> {
  return inTransaction(db, async (trx) => {
    const current = await lockBalance(trx, input.accountId, input.unit);
    if (!current) throw new NotFoundError('Account', input.accountId);
    const existing = await findEntryByKey(trx, input.accountId, input.idempotencyKey);
    if (existing) {
      checkReplay({ requestHash: existing.request_hash, idempotencyKey: existing.idempotency_key }, input.requestHash ?? null);
      return { entry: existing, grant: existing.grant_id ? await findGrant(trx, existing.grant_id) : null, replayed: true };
    }
    const now = input.effectiveAt ?? new Date();
    const grant = await insertGrant(trx, {
      id: newId('grt'),
      account_id: input.accountId,
      unit: input.unit,
      kind: input.kind,
      priority: input.priority ?? DEFAULT_PRIORITY[input.kind],
      amount: input.amount,
      starts_at: input.startsAt ?? now,
      expires_at: input.expiresAt ?? null,
      source: input.source ?? null,
      description: input.description ?? null,
    });
    const entry = await appendEntry(
      trx,
      {
        id: newId('txn'),
        account_id: input.accountId,
        unit: input.unit,
        type: input.type,
        amount: input.amount,
        idempotency_key: input.idempotencyKey,
        request_hash: input.requestHash ?? null,
        description: input.description ?? null,
        reference: input.reference ?? null,
        grant_id: grant.id,
        effective_at: now,
      },
      current,
    );
    return { entry, grant, replayed: false };
  });
}

export interface GrantReductionInput {
  grantId: string;
  /** how much to take; clamped to what remains. */
  amount: bigint | 'all';
  type: EntryType;
  idempotencyKey: string;
  description?: string | null;
  reference?: string | null;
  effectiveAt?: Date;
}

/**
 * Takes quantity out of one grant (expiry, refund clawback) with its ledger entry. Returns null
 * when nothing remained to take (no entry is written), the existing entry on a replay.
 */
export async function reduceGrantWithEntry(db: Db, input: GrantReductionInput): Promise<Posted | null> {
  const unlocked = await findGrant(db, input.grantId);
  if (!unlocked) throw new NotFoundError('Grant', input.grantId);
  return inTransaction(db, async (trx) => {
    const current = await lockBalance(trx, unlocked.account_id, unlocked.unit);
    const existing = await findEntryByKey(trx, unlocked.account_id, input.idempotencyKey);
    if (existing) return { entry: existing, grant: unlocked, replayed: true };
    const grant = (await findGrant(trx, input.grantId))!;
    const remaining = BigInt(grant.remaining);
    const take = input.amount === 'all' || input.amount > remaining ? remaining : input.amount;
    if (take === 0n) return null;
    await reduceGrant(trx, grant.id, take);
    const entry = await appendEntry(
      trx,
      {
        id: newId('txn'),
        account_id: grant.account_id,
        unit: grant.unit,
        type: input.type,
        amount: -take,
        idempotency_key: input.idempotencyKey,
        request_hash: null,
        description: input.description ?? null,
        reference: input.reference ?? null,
        grant_id: grant.id,
        effective_at: input.effectiveAt ?? new Date(),
      },
      current!,
    );
    return { entry, grant: { ...grant, remaining: (remaining - take).toString() }, replayed: false };
  });
}
