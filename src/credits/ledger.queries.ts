import type { Db } from '../db/knex';
import type { Unit } from './compute/burn-order';
import {
  balanceRow,
  grantRow,
  LEDGER_ENTRY_COLUMNS,
  ledgerEntryRow,
  positionOf,
  type GrantReductionRow,
  type GrantRow,
  type LedgerEntryRow,
  type LedgerPosition,
  type NewGrant,
  type NewLedgerEntry,
} from './ledger.rows';

/**
 * The ledger's statements on balances, grants and ledger entries. Writes take rows made by the
 * mappers in ledger.rows.ts; only ledger.service.ts calls the writes (the rules live there).
 */
export type { GrantRow, LedgerEntryRow } from './ledger.rows';

/** Locks the account's balance row for this unit: every grant and ledger change holds it. */
export async function lockBalance(db: Db, accountId: string, unit: Unit): Promise<LedgerPosition | null> {
  const row = await db('balances').where({ account_id: accountId, unit }).forUpdate().first('balance', 'last_seq');
  return row ? positionOf(row) : null;
}

export async function insertBalanceRows(db: Db, accountId: string): Promise<void> {
  const empty = { balance: 0n, lastSeq: 0n };
  await db('balances').insert([balanceRow(accountId, 'credits', empty), balanceRow(accountId, 'tokens', empty)]);
}

export async function updateBalance(db: Db, accountId: string, unit: Unit, position: LedgerPosition): Promise<void> {
  const { balance, last_seq } = balanceRow(accountId, unit, position);
  await db('balances').where({ account_id: accountId, unit }).update({ balance, last_seq });
}

export async function findEntryByKey(db: Db, accountId: string, idempotencyKey: string): Promise<LedgerEntryRow | null> {
  return (await db<LedgerEntryRow>('ledger_entries').where({ account_id: accountId, idempotency_key: idempotencyKey }).first(LEDGER_ENTRY_COLUMNS)) ?? null;
}

export async function findEntry(db: Db, accountId: string, entryId: string): Promise<LedgerEntryRow | null> {
  return (await db<LedgerEntryRow>('ledger_entries').where({ account_id: accountId, id: entryId }).first(LEDGER_ENTRY_COLUMNS)) ?? null;
}

export async function insertEntry(db: Db, entry: NewLedgerEntry): Promise<LedgerEntryRow> {
  const [row] = await db<LedgerEntryRow>('ledger_entries').insert(ledgerEntryRow(entry)).returning(LEDGER_ENTRY_COLUMNS);
  return row!;
}

/** One multi-row INSERT (the close writes every account's entries this way). */
export async function insertEntries(db: Db, entries: NewLedgerEntry[]): Promise<void> {
  if (entries.length) await db('ledger_entries').insert(entries.map(ledgerEntryRow));
}

export async function insertGrant(db: Db, grant: NewGrant): Promise<GrantRow> {
  const [row] = await db<GrantRow>('grants').insert(grantRow(grant)).returning('*');
  return row!;
}

export async function insertGrants(db: Db, grants: NewGrant[]): Promise<void> {
  if (grants.length) await db('grants').insert(grants.map(grantRow));
}

export async function findGrant(db: Db, grantId: string): Promise<GrantRow | null> {
  return (await db<GrantRow>('grants').where({ id: grantId }).first()) ?? null;
}

/** Takes each row's amount out of its grant's remaining, in one statement. */
export async function reduceGrants(db: Db, reductions: GrantReductionRow[]): Promise<void> {
  if (!reductions.length) return;
  const values = reductions.map(() => '(?, ?::bigint)').join(', ');
  await db.raw(
    `update grants g set remaining = g.remaining - v.amount from (values ${values}) as v(id, amount) where g.id = v.id`,
    reductions.flatMap((row) => [row.id, row.amount]),
  );
}

export type OpenGrantRow = Pick<GrantRow, 'id' | 'unit' | 'kind' | 'source' | 'remaining' | 'expires_at'>;

/** Grants with something left, oldest first (the order the close writes its entries in). */
export async function findOpenGrants(db: Db, accountId: string): Promise<OpenGrantRow[]> {
  return db<GrantRow>('grants')
    .where({ account_id: accountId })
    .where('remaining', '>', 0)
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .select('id', 'unit', 'kind', 'source', 'remaining', 'expires_at');
}

/** Ids of grants with something left that stopped being spendable at or before `asOf`, soonest first. */
export async function findExpiredGrantIds(db: Db, accountId: string, asOf: Date, units: Unit[]): Promise<string[]> {
  const rows: Array<{ id: string }> = await db('grants')
    .where({ account_id: accountId })
    .whereIn('unit', units)
    .where('remaining', '>', 0)
    .whereNotNull('expires_at')
    .where('expires_at', '<=', asOf)
    .orderBy([{ column: 'expires_at' }, { column: 'id' }])
    .select('id');
  return rows.map((row) => row.id);
}

/** Σ remaining of grants spendable at `at`, per unit. */
export async function spendableBalances(db: Db, accountId: string, at: Date): Promise<Record<Unit, bigint>> {
  const rows: Array<{ unit: Unit; total: string }> = await db('grants')
    .select('unit')
    .sum({ total: 'remaining' })
    .where({ account_id: accountId })
    .where('remaining', '>', 0)
    .where('starts_at', '<=', at)
    .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', at))
    .groupBy('unit');
  const out: Record<Unit, bigint> = { credits: 0n, tokens: 0n };
  for (const row of rows) out[row.unit] = BigInt(row.total);
  return out;
}
