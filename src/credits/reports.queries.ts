import type { Db } from '../db/knex';
import { ValidationError } from '../shared/errors';
import type { Unit } from './compute/burn-order';
import type { LedgerEntryRow } from './ledger.queries';
import { LEDGER_ENTRY_COLUMNS } from './ledger.rows';
import { usageSums } from './usage-rollup-reads';

export interface Range {
  from: Date | null;
  to: Date | null;
}

/** Credits consumed (grants + overage) by usage and debits with event time in [from, to). */
export async function consumedBetween(db: Db, accountId: string, unit: Unit, from: Date, to: Date): Promise<{ used: bigint; overage: bigint }> {
  const row = await db('ledger_entries')
    .where({ account_id: accountId, unit })
    .whereIn('type', ['usage', 'debit'])
    .where('effective_at', '>=', from)
    .where('effective_at', '<', to)
    .select(db.raw('coalesce(sum(-amount + overage), 0)::text as used'), db.raw('coalesce(sum(overage), 0)::text as overage'))
    .first();
  return { used: BigInt(row.used), overage: BigInt(row.overage) };
}

export async function tokensUsedBetween(db: Db, accountId: string, from: Date, to: Date): Promise<bigint> {
  const [row] = await usageSums(db, { source: 'events', accountId, from, to, groupBy: null, sums: ['input_tokens', 'output_tokens', 'cache_write_tokens', 'cache_read_tokens'] });
  return BigInt(row!.input_tokens) + BigInt(row!.output_tokens) + BigInt(row!.cache_write_tokens) + BigInt(row!.cache_read_tokens);
}

/** `offset` pages are served by skipping rows; past this window callers page with `starting_after`. */
export const MAX_TRANSACTIONS_OFFSET = 10_000;

export interface EntriesPage {
  limit: number;
  offset: number;
  /** A transaction id of this account and unit: the page starts right after it (older entries). */
  startingAfter?: string;
}

/**
 * Newest first, walking the (account_id, unit, seq) unique index backwards: `starting_after`
 * becomes `seq < its seq`, so a deep page costs what the first one does. One row more than asked
 * tells whether there is a next page.
 */
export async function listEntries(db: Db, accountId: string, unit: Unit, page: EntriesPage) {
  const base = db('ledger_entries').where({ account_id: accountId, unit });
  const rowsQuery = base.clone().orderBy('seq', 'desc').limit(page.limit + 1).offset(page.offset);
  if (page.startingAfter !== undefined) rowsQuery.where('seq', '<', await seqOf(db, accountId, unit, page.startingAfter));
  const [fetched, count] = await Promise.all([rowsQuery.select<LedgerEntryRow[]>(LEDGER_ENTRY_COLUMNS), base.clone().count<{ count: string }[]>({ count: '*' })]);
  return { rows: fetched.slice(0, page.limit), hasMore: fetched.length > page.limit, total: Number(count[0]!.count) };
}

async function seqOf(db: Db, accountId: string, unit: Unit, entryId: string): Promise<string> {
  const row = await db('ledger_entries').where({ account_id: accountId, unit, id: entryId }).first<{ seq: string } | undefined>('seq');
  if (!row) throw new ValidationError(`Invalid query field 'starting_after': no ${unit} transaction ${entryId} on this account`, { field: 'starting_after', in: 'query' });
  return row.seq;
}

export type UsageGroup = 'day' | 'tool' | 'agent' | 'model' | 'task';

/**
 * Priced usage lines grouped; markup and rounding are event-level and not in any group. Served
 * from the daily rollup plus the rows not rolled up yet (usage-rollup-reads.ts); the task is not
 * a rollup dimension, so per-task groups read the raw lines.
 */
export async function usageGrouped(db: Db, accountId: string, groupBy: UsageGroup, range: Range, agent: string | null) {
  if (groupBy === 'task') return usageGroupedByTask(db, accountId, range, agent);
  const rows = await usageSums(db, {
    source: 'lines', accountId, from: range.from, to: range.to, agent,
    kind: groupBy === 'tool' || groupBy === 'model' ? groupBy : undefined,
    groupBy, sums: ['quantity', 'credits'], orderBy: 'sum(credits) desc, key',
  });
  return rows.map((row) => ({ key: row.key, executions: row.quantity, credits: row.credits }));
}

async function usageGroupedByTask(db: Db, accountId: string, range: Range, agent: string | null) {
  // lines do not carry the task (issue 15): their event does, and finds them by its indexes
  const query = db('usage_events as e')
    .join('usage_items as i', 'i.usage_event_id', 'e.id')
    .where('e.account_id', accountId)
    .select(db.raw(`coalesce(e.task_id, '(none)') as key`), db.raw('sum(i.quantity)::text as executions'), db.raw('sum(i.credits)::text as credits'))
    .groupBy(1)
    .orderByRaw('sum(i.credits) desc, 1');
  if (range.from) query.where('e.occurred_at', '>=', range.from);
  if (range.to) query.where('e.occurred_at', '<', range.to);
  if (agent) query.where('e.agent', agent);
  return (await query) as Array<{ key: string; executions: string; credits: string }>;
}

export async function chargedBetween(db: Db, accountId: string, range: Range, agent: string | null): Promise<bigint> {
  const [row] = await usageSums(db, { source: 'events', accountId, from: range.from, to: range.to, agent, groupBy: null, sums: ['credits'] });
  return BigInt(row!.credits);
}

export async function modelUsageBetween(db: Db, accountId: string, from: Date, to: Date) {
  const rows = await usageSums(db, {
    source: 'lines', accountId, from, to, kind: 'model', groupBy: 'model',
    sums: ['lines', 'input_tokens', 'output_tokens', 'cache_write_tokens', 'cache_read_tokens', 'credits'], orderBy: 'key',
  });
  return rows.map((row) => ({
    model: row.key,
    calls: Number(row.lines),
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    cache_tokens: String(BigInt(row.cache_write_tokens) + BigInt(row.cache_read_tokens)),
    credits: row.credits,
  }));
}

/** Ledger entries after `afterSeq`, for streaming a statement in pages. */
export async function entriesPage(db: Db, accountId: string, range: Range, after: { unit: string; seq: string } | null, limit: number) {
  const query = db<LedgerEntryRow>('ledger_entries').where({ account_id: accountId }).orderBy([{ column: 'unit' }, { column: 'seq' }]).limit(limit);
  if (range.from) query.where('effective_at', '>=', range.from);
  if (range.to) query.where('effective_at', '<', range.to);
  if (after) query.whereRaw('(unit, seq) > (?, ?::bigint)', [after.unit, after.seq]);
  return query.select<LedgerEntryRow[]>(LEDGER_ENTRY_COLUMNS);
}
