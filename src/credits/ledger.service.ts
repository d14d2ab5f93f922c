import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { inTransaction } from '../db/transaction';
import { ConflictError, NotFoundError } from '../shared/errors';
import { newId } from '../shared/ids';
import { DEFAULT_PRIORITY, type GrantKind, type Unit } from './compute/burn-order';
import {
  findEntryByKey,
  findGrant,
  insertEntries,
  insertEntry,
  insertGrant,
  insertGrants,
  lockBalance,
  reduceGrants,
  updateBalance,
} from './ledger.queries';
import { sameRequest } from '../shared/request-hash';
import { grantReductionRows, type EntryType, type GrantRow, type LedgerEntryRow, type LedgerPosition, type NewGrant, type NewLedgerEntry } from './ledger.rows';

/**
 * The ledger module (ledger.service.ts: the rules; ledger.queries.ts: the statements;
 * ledger.rows.ts: the row shapes and their mappers). Every change to balances, grants and ledger
 * entries goes through here or through the `settle_debit_batch` SQL function (migrations/sql/
 * settle-debit-one-row.ts; debits, hold captures and placements call it, a single debit as a batch
 * of one), which is the only implementation of the hot-path rules: burn order, spendable at the
 * event's time, holds, overage, hard limits, model tokens; it also writes a usage debit's record
 * onto its entry (usage-rows.ts). Here: lock the balance row, look for the
 * idempotency key, change grants, append the ledger entry with the next sequence number.
 */
export interface Posted {
  entry: LedgerEntryRow;
  grant: GrantRow | null;
  replayed: boolean;
}

/** Same key + same request → the original; same key + another request → 409. */
export function checkReplay(existing: { requestHash: string | null; idempotencyKey: string }, requestHash: string | null): void {
  if (!sameRequest(existing.requestHash, requestHash)) {
    throw new ConflictError(
      'This Idempotency-Key was already used with a different request; use a new key for a new request',
      { idempotency_key: existing.idempotencyKey.replace(/^req:/, '') },
      'idempotency_conflict',
    );
  }
}

/** Appends one entry after the account's newest: the next sequence number, the balance moved by `amount`. */
async function appendEntry(db: Db, entry: Omit<NewLedgerEntry, 'seq' | 'balanceAfter'>, current: LedgerPosition): Promise<LedgerEntryRow> {
  const next = { balance: current.balance + entry.amount, lastSeq: current.lastSeq + 1n };
  await updateBalance(db, entry.accountId, entry.unit, next);
  return insertEntry(db, { ...entry, seq: next.lastSeq, balanceAfter: next.balance });
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
      checkReplay({ requestHash: existing.request_hash, idempotencyKey: input.idempotencyKey }, input.requestHash ?? null);
      return { entry: existing, grant: existing.grant_id ? await findGrant(trx, existing.grant_id) : null, replayed: true };
    }
    const now = input.effectiveAt ?? new Date();
    const grant = await insertGrant(trx, {
      id: newId('grt'),
      accountId: input.accountId,
      unit: input.unit,
      kind: input.kind,
      priority: input.priority ?? DEFAULT_PRIORITY[input.kind],
      amount: input.amount,
      startsAt: input.startsAt ?? now,
      expiresAt: input.expiresAt ?? null,
      source: input.source ?? null,
      description: input.description ?? null,
    });
    const entry = await appendEntry(
      trx,
      {
        id: newId('txn'),
        accountId: input.accountId,
        unit: input.unit,
        type: input.type,
        amount: input.amount,
        idempotencyKey: input.idempotencyKey,
        requestHash: input.requestHash ?? null,
        description: input.description ?? null,
        reference: input.reference ?? null,
        grantId: grant.id,
        effectiveAt: now,
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
    await reduceGrants(trx, grantReductionRows([{ grantId: grant.id, amount: take }]));
    const entry = await appendEntry(
      trx,
      {
        id: newId('txn'),
        accountId: grant.account_id,
        unit: grant.unit,
        type: input.type,
        amount: -take,
        idempotencyKey: input.idempotencyKey,
        requestHash: null,
        description: input.description ?? null,
        reference: input.reference ?? null,
        grantId: grant.id,
        effectiveAt: input.effectiveAt ?? new Date(),
      },
      current!,
    );
    return { entry, grant: { ...grant, remaining: (remaining - take).toString() }, replayed: false };
  });
}

/**
 * Changes to one account's ledger planned in memory (the period close: rollover, expiry, the next
 * period's grants), with the entries' sequence numbers and running balances already assigned
 * from the positions read under the balance-row locks, and the positions they end at.
 */
export interface PlannedChanges {
  grants: NewGrant[];
  reductions: Array<{ grantId: string; amount: bigint }>;
  entries: NewLedgerEntry[];
  positions: Record<Unit, LedgerPosition>;
}

/**
 * Writes planned changes with one statement per table (and one per balance row), whatever their
 * number: the close of 100k accounts stays a handful of statements per account. The caller holds
 * the account's balance-row locks, taken before it read what it planned from.
 */
export async function applyPlannedChanges(trx: Knex.Transaction, accountId: string, changes: PlannedChanges): Promise<void> {
  await insertGrants(trx, changes.grants);
  await reduceGrants(trx, grantReductionRows(changes.reductions));
  await insertEntries(trx, changes.entries);
  for (const unit of ['credits', 'tokens'] as const) await updateBalance(trx, accountId, unit, changes.positions[unit]);
}
