import type { Db } from '../db/knex';
import { ValidationError } from '../shared/errors';
import type { Unit } from './compute/burn-order';
import type { LedgerEntryRow } from './ledger.queries';

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
  const row = await db('usage_events')
    .where({ account_id: accountId })
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .select(db.raw('coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0)::text as tokens'))
    .first();
  return BigInt(row.tokens);
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
  const [fetched, count] = await Promise.all([rowsQuery.select<LedgerEntryRow[]>('*'), base.clone().count<{ count: string }[]>({ count: '*' })]);
  return { rows: fetched.slice(0, page.limit), hasMore: fetched.length > page.limit, total: Number(count[0]!.count) };
}

async function seqOf(db: Db, accountId: string, unit: Unit, entryId: string): Promise<string> {
  const row = await db('ledger_entries').where({ account_id: accountId, unit, id: entryId }).first<{ seq: string } | undefined>('seq');
  if (!row) throw new ValidationError(`Invalid query field 'starting_after': no ${unit} transaction ${entryId} on this account`, { field: 'starting_after', in: 'query' });
  return row.seq;
}

export type UsageGroup = 'day' | 'tool' | 'agent' | 'model' | 'task';

/** Priced usage lines grouped; markup and rounding are event-level and not in any group. */
export async function usageGrouped(db: Db, accountId: string, groupBy: UsageGroup, range: Range, agent: string | null) {
  const key = {
    day: db.raw(`to_char(date_trunc('day', occurred_at at time zone 'UTC'), 'YYYY-MM-DD')`),
    tool: 'tool',
    agent: db.raw(`coalesce(agent, '(none)')`),
    model: 'model',
    // lines do not carry the task (issue 15): their event's, by the event's primary key
    task: db.raw(`coalesce((select e.task_id from usage_events e where e.id = usage_items.usage_event_id), '(none)')`),
  }[groupBy];
  const query = db('usage_items')
    .where({ account_id: accountId })
    .select({ key }, db.raw('sum(quantity)::text as executions'), db.raw('sum(credits)::text as credits'))
    .groupBy(1)
    .orderBy(3, 'desc')
    .orderBy(1);
  if (groupBy === 'tool') query.where({ kind: 'tool' });
  if (groupBy === 'model') query.where({ kind: 'model' });
  if (range.from) query.where('occurred_at', '>=', range.from);
  if (range.to) query.where('occurred_at', '<', range.to);
  if (agent) query.where({ agent });
  return (await query) as Array<{ key: string; executions: string; credits: string }>;
}

export async function chargedBetween(db: Db, accountId: string, range: Range, agent: string | null): Promise<bigint> {
  const query = db('usage_events').where({ account_id: accountId }).select(db.raw('coalesce(sum(credits_charged), 0)::text as charged'));
  if (range.from) query.where('occurred_at', '>=', range.from);
  if (range.to) query.where('occurred_at', '<', range.to);
  if (agent) query.where({ agent });
  return BigInt(((await query.first()) as { charged: string }).charged);
}

export async function modelUsageBetween(db: Db, accountId: string, from: Date, to: Date) {
  return (await db('usage_items')
    .where({ account_id: accountId, kind: 'model' })
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .select(
      'model',
      db.raw('count(*)::int as calls'),
      db.raw('sum(input_tokens)::text as input_tokens'),
      db.raw('sum(output_tokens)::text as output_tokens'),
      db.raw('sum(cache_write_tokens + cache_read_tokens)::text as cache_tokens'),
      db.raw('sum(credits)::text as credits'),
    )
    .groupBy('model')
    .orderBy('model')) as Array<{ model: string; calls: number; input_tokens: string; output_tokens: string; cache_tokens: string; credits: string }>;
}

/** Ledger entries after `afterSeq`, for streaming a statement in pages. */
export async function entriesPage(db: Db, accountId: string, range: Range, after: { unit: string; seq: string } | null, limit: number) {
  const query = db<LedgerEntryRow>('ledger_entries').where({ account_id: accountId }).orderBy([{ column: 'unit' }, { column: 'seq' }]).limit(limit);
  if (range.from) query.where('effective_at', '>=', range.from);
  if (range.to) query.where('effective_at', '<', range.to);
  if (after) query.whereRaw('(unit, seq) > (?, ?::bigint)', [after.unit, after.seq]);
  return query.select('*');
}
