import type { Knex } from 'knex';
import type { Db } from '../db/knex';

/**
 * Usage sums for reports, read from the daily rollup where it can answer and from raw rows where
 * it cannot, in ONE statement (one snapshot: a sweep committing meanwhile cannot count a row
 * twice or not at all). For a range [from, to) of occurred_at:
 *
 * - the whole UTC days inside it: usage_daily rows (every event created before the watermark)
 *   plus the raw rows created at or after the watermark (one account's through
 *   usage_events_by_account_created, every account's through usage_events_by_created, partial
 *   indexes of ledger_entries: a usage event is its ledger entry);
 * - the partial days at its edges (a range given to the second): raw rows, by occurred_at.
 *
 * So the answer is the raw-row sum whatever the watermark; the rollup only makes it cheap.
 */
export type UsageSource = 'events' | 'lines';
export type UsageKey = 'day' | 'tool' | 'agent' | 'model' | 'provider' | 'account';
export type UsageSum =
  | 'lines' | 'quantity' | 'input_tokens' | 'output_tokens' | 'cache_write_tokens' | 'cache_read_tokens'
  | 'milli_minutes' | 'images' | 'credits' | 'provider_cost' | 'markup' | 'rounding' | 'overage';

export interface UsageSumsQuery<S extends UsageSum> {
  /** events: what each event was charged (markup and rounding included); lines: the priced lines */
  source: UsageSource;
  /** null: every account (admin reports) */
  accountId: string | null;
  from: Date | null;
  to: Date | null;
  /** lines only: one kind of line */
  kind?: 'tool' | 'model';
  /** only usage of this agent */
  agent?: string | null;
  /** null: one row of totals (0 when there is no usage) */
  groupBy: UsageKey | null;
  sums: readonly S[];
  /** the outer ORDER BY, over `key` and the sums' names */
  orderBy?: string;
}

export type UsageSumsRow<S extends UsageSum> = { key: string } & Record<S, string>;

/** Each sum over a raw row (r is a usage_events or a usage_items row). */
const RAW: Record<UsageSource, Record<UsageSum, string>> = {
  events: {
    lines: '1', quantity: '0', input_tokens: 'r.input_tokens', output_tokens: 'r.output_tokens',
    cache_write_tokens: 'r.cache_write_tokens', cache_read_tokens: 'r.cache_read_tokens', milli_minutes: '0', images: '0',
    credits: 'r.credits_charged', provider_cost: 'r.provider_cost', markup: 'r.markup', rounding: 'r.rounding', overage: 'r.overage',
  },
  lines: {
    lines: '1', quantity: 'r.quantity', input_tokens: 'r.input_tokens', output_tokens: 'r.output_tokens',
    cache_write_tokens: 'r.cache_write_tokens', cache_read_tokens: 'r.cache_read_tokens',
    milli_minutes: 'r.milli_minutes', images: 'r.images', // the view answers 0 for none
    credits: 'r.credits', provider_cost: 'r.provider_cost', markup: '0', rounding: '0', overage: '0',
  },
};

/** The group key over a raw row r and over a rollup row d: the same text for the same usage. */
function keyOf(key: UsageKey | null, table: 'r' | 'd'): string {
  switch (key) {
    case null:
      return `''`;
    case 'day':
      return table === 'r' ? `to_char(date_trunc('day', r.occurred_at at time zone 'UTC'), 'YYYY-MM-DD')` : `to_char(d.day, 'YYYY-MM-DD')`;
    case 'agent':
      return `coalesce(${table}.agent, '(none)')`;
    case 'account':
      return `${table}.account_id`;
    case 'tool':
    case 'model':
    case 'provider':
      return `${table}.${key}`;
  }
}

const DAY_MS = 86_400_000;

/** [from, to) split into whole UTC days and the partial days at its edges. */
export function splitByDay(from: Date | null, to: Date | null) {
  const firstDay = from === null ? null : new Date(Math.ceil(from.getTime() / DAY_MS) * DAY_MS);
  const endDay = to === null ? null : new Date(Math.floor(to.getTime() / DAY_MS) * DAY_MS);
  if (firstDay && endDay && firstDay >= endDay) return { days: null, edges: [{ from, to }] };
  const edges: Array<{ from: Date | null; to: Date | null }> = [];
  if (from && firstDay && from < firstDay) edges.push({ from, to: firstDay });
  if (to && endDay && endDay < to) edges.push({ from: endDay, to });
  return { days: { from: firstDay, to: endDay }, edges };
}

interface Part {
  sql: string;
  bindings: Knex.RawBinding[];
}

export async function usageSums<S extends UsageSum>(db: Db, query: UsageSumsQuery<S>): Promise<Array<UsageSumsRow<S>>> {
  const { days, edges } = splitByDay(query.from, query.to);
  const parts: Part[] = [];
  if (days) parts.push(rollupPart(query, days), rawPart(query, days, true));
  for (const edge of edges) parts.push(rawPart(query, edge, false));
  const sums = query.sums.map((sum) => `coalesce(sum(${sum}), 0)::text as ${sum}`).join(', ');
  const grouping = query.groupBy === null ? '' : ' group by key';
  const ordering = query.orderBy ? ` order by ${query.orderBy}` : '';
  const { rows } = await db.raw<{ rows: Array<UsageSumsRow<S>> }>(
    `select ${query.groupBy === null ? `'' as key` : 'key'}, ${sums} from (${parts.map((part) => part.sql).join('\n union all\n')}) parts${grouping}${ordering}`,
    parts.flatMap((part) => part.bindings),
  );
  return rows;
}

function columns(query: UsageSumsQuery<UsageSum>, table: 'r' | 'd'): string {
  const values = query.sums.map((sum) => `${table === 'd' ? `d.${sum}` : RAW[query.source][sum]} as ${sum}`);
  return [`${keyOf(query.groupBy, table)} as key`, ...values].join(', ');
}

/** Filters common to raw and rollup rows: account, kind of line, agent. */
function filters(query: UsageSumsQuery<UsageSum>, table: string, rollup: boolean): Part {
  const sql: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  if (query.accountId !== null) {
    sql.push(`${table}.account_id = ?`);
    bindings.push(query.accountId);
  }
  if (rollup) sql.push(query.source === 'events' ? `d.kind = 'event'` : query.kind ? `d.kind = '${query.kind}'` : `d.kind in ('tool', 'model')`);
  else if (query.kind) sql.push(`r.kind = '${query.kind}'`);
  if (query.agent) {
    sql.push(`${rollup ? 'd' : 'r'}.agent = ?`);
    bindings.push(query.agent);
  }
  return { sql: sql.join(' and '), bindings };
}

function rollupPart(query: UsageSumsQuery<UsageSum>, days: { from: Date | null; to: Date | null }): Part {
  const where = filters(query, 'd', true);
  const sql = [where.sql];
  const bindings = [...where.bindings];
  if (days.from) {
    sql.push(`d.day >= (?::timestamptz at time zone 'UTC')::date`);
    bindings.push(days.from);
  }
  if (days.to) {
    sql.push(`d.day < (?::timestamptz at time zone 'UTC')::date`);
    bindings.push(days.to);
  }
  return { sql: `select ${columns(query, 'd')} from usage_daily d where ${sql.join(' and ')}`, bindings };
}

/**
 * Raw rows with occurred_at in [range.from, range.to); `notRolledUp`: only those created at or
 * after the watermark, found by created_at. Events and their lines are both rows of the ledger
 * entry (the usage_events and usage_items views), so both are found by the same indexes.
 */
function rawPart(query: UsageSumsQuery<UsageSum>, range: { from: Date | null; to: Date | null }, notRolledUp: boolean): Part {
  const from = query.source === 'lines' ? 'usage_items r' : 'usage_events r';
  const where = filters(query, 'r', false);
  const sql = where.sql ? [where.sql] : [];
  const bindings = [...where.bindings];
  if (notRolledUp) sql.push(`r.created_at >= (select rolled_up_before from usage_rollup_watermark)`);
  if (range.from) {
    sql.push(`r.occurred_at >= ?`);
    bindings.push(range.from);
  }
  if (range.to) {
    sql.push(`r.occurred_at < ?`);
    bindings.push(range.to);
  }
  return { sql: `select ${columns(query, 'r')} from ${from}${sql.length ? ` where ${sql.join(' and ')}` : ''}`, bindings };
}
