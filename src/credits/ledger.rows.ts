import type { GrantKind, Unit } from './compute/burn-order';

/**
 * The ledger tables' row shapes and the one mapper per table from domain values to an insert.
 * PostgreSQL bigints travel as text (the pg driver returns them as strings and numbers would lose
 * micro-credits), so a domain bigint becomes text here and nowhere else in the ledger module.
 */
export type EntryType = 'grant' | 'purchase' | 'deposit' | 'voucher' | 'debit' | 'usage' | 'expiry' | 'refund' | 'adjustment' | 'rollover';

export interface LedgerEntryRow {
  id: string;
  account_id: string;
  unit: Unit;
  seq: string;
  type: string;
  amount: string;
  overage: string;
  balance_after: string;
  /** null for a debit whose request sent no key (it cannot be replayed) */
  idempotency_key: string | null;
  request_hash: string | null;
  description: string | null;
  reference: string | null;
  grant_id: string | null;
  /** as stored: a debit that burned one grant names it in grant_id and stores null here (read them with burnsOf) */
  burns: Burn[] | null;
  effective_at: Date;
  created_at: Date;
}

/**
 * The columns a LedgerEntryRow is read from. A usage entry also carries its usage record (agent,
 * tokens, `lines` …), which only the usage_events and usage_items views read: selecting these
 * instead of `*` keeps statements and transaction pages from fetching and parsing it.
 */
export const LEDGER_ENTRY_COLUMNS = [
  'id', 'account_id', 'unit', 'seq', 'type', 'amount', 'overage', 'balance_after', 'idempotency_key', 'request_hash',
  'description', 'reference', 'grant_id', 'burns', 'effective_at', 'created_at',
] as const satisfies ReadonlyArray<keyof LedgerEntryRow>;

export interface Burn {
  grant_id: string;
  amount: number;
}

/**
 * The grants a debit burned, in burn order: its `burns`, or the one grant it names. SQL readers
 * use `ledger_entry_burns(e)`, the same rule (migrations/20261205000200_one_row_per_metered_call.ts).
 */
export function burnsOf(entry: Pick<LedgerEntryRow, 'type' | 'burns' | 'grant_id' | 'amount'>): Burn[] | null {
  if (entry.burns !== null) return entry.burns;
  if (entry.type !== 'usage' && entry.type !== 'debit') return null;
  return entry.grant_id === null ? [] : [{ grant_id: entry.grant_id, amount: -Number(entry.amount) }];
}

export interface GrantRow {
  id: string;
  account_id: string;
  unit: Unit;
  kind: GrantKind;
  priority: number;
  amount: string;
  remaining: string;
  starts_at: Date;
  expires_at: Date | null;
  source: string | null;
  description: string | null;
  created_at: Date;
}

/** An account's position in one unit: its balance and the sequence number of its newest entry. */
export interface LedgerPosition {
  balance: bigint;
  lastSeq: bigint;
}

/** A new grant (credit lot); it starts full. */
export interface NewGrant {
  id: string;
  accountId: string;
  unit: Unit;
  kind: GrantKind;
  priority: number;
  amount: bigint;
  startsAt: Date;
  expiresAt: Date | null;
  source: string | null;
  description: string | null;
}

export type GrantInsert = Omit<GrantRow, 'created_at'>;

export function grantRow(grant: NewGrant): GrantInsert {
  return {
    id: grant.id,
    account_id: grant.accountId,
    unit: grant.unit,
    kind: grant.kind,
    priority: grant.priority,
    amount: grant.amount.toString(),
    remaining: grant.amount.toString(),
    starts_at: grant.startsAt,
    expires_at: grant.expiresAt,
    source: grant.source,
    description: grant.description,
  };
}

/** A new ledger entry with its place in the account's sequence and the balance after it. */
export interface NewLedgerEntry {
  id: string;
  accountId: string;
  unit: Unit;
  seq: bigint;
  type: EntryType;
  amount: bigint;
  balanceAfter: bigint;
  idempotencyKey: string;
  requestHash: string | null;
  description: string | null;
  reference: string | null;
  grantId: string | null;
  effectiveAt: Date;
}

/** `overage` and `burns` belong to debits, which only the SQL debit functions write. */
export type LedgerEntryInsert = Omit<LedgerEntryRow, 'overage' | 'burns' | 'created_at'>;

export function ledgerEntryRow(entry: NewLedgerEntry): LedgerEntryInsert {
  return {
    id: entry.id,
    account_id: entry.accountId,
    unit: entry.unit,
    seq: entry.seq.toString(),
    type: entry.type,
    amount: entry.amount.toString(),
    balance_after: entry.balanceAfter.toString(),
    idempotency_key: entry.idempotencyKey,
    request_hash: entry.requestHash,
    description: entry.description,
    reference: entry.reference,
    grant_id: entry.grantId,
    effective_at: entry.effectiveAt,
  };
}

export interface BalanceRow {
  account_id: string;
  unit: Unit;
  balance: string;
  last_seq: string;
}

export function balanceRow(accountId: string, unit: Unit, position: LedgerPosition): BalanceRow {
  return { account_id: accountId, unit, balance: position.balance.toString(), last_seq: position.lastSeq.toString() };
}

export function positionOf(row: Pick<BalanceRow, 'balance' | 'last_seq'>): LedgerPosition {
  return { balance: BigInt(row.balance), lastSeq: BigInt(row.last_seq) };
}

/** Quantity taken out of one grant; one row per grant (an UPDATE … FROM applies one match per target). */
export interface GrantReductionRow {
  id: string;
  amount: string;
}

export function grantReductionRows(reductions: Array<{ grantId: string; amount: bigint }>): GrantReductionRow[] {
  const totals = new Map<string, bigint>();
  for (const { grantId, amount } of reductions) totals.set(grantId, (totals.get(grantId) ?? 0n) + amount);
  return [...totals].map(([id, amount]) => ({ id, amount: amount.toString() }));
}
