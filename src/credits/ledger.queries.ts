import type { Db } from '../db/knex';
import type { GrantKind, Unit } from './compute/burn-order';

export interface LedgerEntryRow {
  id: string;
  account_id: string;
  unit: Unit;
  seq: string;
  type: string;
  amount: string;
  overage: string;
  balance_after: string;
  idempotency_key: string;
  request_hash: string | null;
  description: string | null;
  reference: string | null;
  grant_id: string | null;
  burns: Array<{ grant_id: string; amount: number }> | null;
  effective_at: Date;
  created_at: Date;
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

/** Locks the account's balance row for this unit: every grant and ledger change holds it. */
export async function lockBalance(db: Db, accountId: string, unit: Unit): Promise<{ balance: bigint; lastSeq: bigint } | null> {
  const row = await db('balances').where({ account_id: accountId, unit }).forUpdate().first('balance', 'last_seq');
  return row ? { balance: BigInt(row.balance), lastSeq: BigInt(row.last_seq) } : null;
}

export async function insertBalanceRows(db: Db, accountId: string): Promise<void> {
  await db('balances').insert([
    { account_id: accountId, unit: 'credits' },
    { account_id: accountId, unit: 'tokens' },
  ]);
}

export async function findEntryByKey(db: Db, accountId: string, idempotencyKey: string): Promise<LedgerEntryRow | null> {
  return (await db<LedgerEntryRow>('ledger_entries').where({ account_id: accountId, idempotency_key: idempotencyKey }).first()) ?? null;
}

export async function findEntry(db: Db, accountId: string, entryId: string): Promise<LedgerEntryRow | null> {
  return (await db<LedgerEntryRow>('ledger_entries').where({ account_id: accountId, id: entryId }).first()) ?? null;
}

export async function appendEntry(
  db: Db,
  entry: Omit<LedgerEntryRow, 'seq' | 'balance_after' | 'created_at' | 'amount' | 'overage' | 'burns'> & { amount: bigint },
  current: { balance: bigint; lastSeq: bigint },
): Promise<LedgerEntryRow> {
  const balanceAfter = current.balance + entry.amount;
  const seq = current.lastSeq + 1n;
  await db('balances')
    .where({ account_id: entry.account_id, unit: entry.unit })
    .update({ balance: balanceAfter.toString(), last_seq: seq.toString() });
  const [row] = await db<LedgerEntryRow>('ledger_entries')
    .insert({ ...entry, amount: entry.amount.toString(), seq: seq.toString(), balance_after: balanceAfter.toString() })
    .returning('*');
  return row!;
}

export async function insertGrant(db: Db, grant: Omit<GrantRow, 'created_at' | 'amount' | 'remaining'> & { amount: bigint }): Promise<GrantRow> {
  const [row] = await db<GrantRow>('grants')
    .insert({ ...grant, amount: grant.amount.toString(), remaining: grant.amount.toString() })
    .returning('*');
  return row!;
}

export async function findGrant(db: Db, grantId: string): Promise<GrantRow | null> {
  return (await db<GrantRow>('grants').where({ id: grantId }).first()) ?? null;
}

export async function reduceGrant(db: Db, grantId: string, amount: bigint): Promise<void> {
  await db('grants').where({ id: grantId }).update({ remaining: db.raw('remaining - ?::bigint', [amount.toString()]) });
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
