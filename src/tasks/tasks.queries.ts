import type { Db } from '../db/knex';

/**
 * Per-task sums (seeds 001, 002). A task is the caller's `task_id` on its usage events; these
 * read the events (and their lines, part of the same ledger entries) through usage_events_by_task.
 */
export interface TaskTotalsRow {
  events: number;
  credits: string;
  markup: string;
  input_tokens: string;
  output_tokens: string;
  cache_write_tokens: string;
  cache_read_tokens: string;
  first_at: Date | null;
  last_at: Date | null;
}

export interface TaskLineRow {
  kind: 'tool' | 'model';
  name: string;
  calls: number;
  executions: string;
  input_tokens: string;
  output_tokens: string;
  cache_write_tokens: string;
  cache_read_tokens: string;
  milli_minutes: string;
  images: string;
  credits: string;
}

export async function taskTotals(db: Db, accountId: string, taskId: string): Promise<TaskTotalsRow> {
  return (await db('usage_events')
    .where({ account_id: accountId, task_id: taskId })
    .first(
      db.raw('count(*)::int as events'),
      db.raw('coalesce(sum(credits_charged), 0)::text as credits'),
      db.raw('coalesce(sum(markup), 0)::text as markup'),
      db.raw('coalesce(sum(input_tokens), 0)::text as input_tokens'),
      db.raw('coalesce(sum(output_tokens), 0)::text as output_tokens'),
      db.raw('coalesce(sum(cache_write_tokens), 0)::text as cache_write_tokens'),
      db.raw('coalesce(sum(cache_read_tokens), 0)::text as cache_read_tokens'),
      db.raw('min(occurred_at) as first_at'),
      db.raw('max(occurred_at) as last_at'),
    )) as TaskTotalsRow;
}

/** The task's priced lines summed per tool and per model. */
export async function taskLines(db: Db, accountId: string, taskId: string): Promise<TaskLineRow[]> {
  return (await db('usage_items as i')
    .join('usage_events as e', 'e.id', 'i.usage_event_id')
    .where({ 'e.account_id': accountId, 'e.task_id': taskId })
    .select(
      'i.kind',
      db.raw('coalesce(i.tool, i.model) as name'),
      db.raw('count(*)::int as calls'),
      db.raw('sum(i.quantity)::text as executions'),
      db.raw('sum(i.input_tokens)::text as input_tokens'),
      db.raw('sum(i.output_tokens)::text as output_tokens'),
      db.raw('sum(i.cache_write_tokens)::text as cache_write_tokens'),
      db.raw('sum(i.cache_read_tokens)::text as cache_read_tokens'),
      db.raw('coalesce(sum(i.milli_minutes), 0)::text as milli_minutes'),
      db.raw('coalesce(sum(i.images), 0)::text as images'),
      db.raw('sum(i.credits)::text as credits'),
    )
    .groupBy('i.kind', db.raw('coalesce(i.tool, i.model)'))
    .orderBy([{ column: 'i.kind', order: 'desc' }, { column: 'name' }])) as TaskLineRow[];
}

/**
 * Credits charged to the task by its events up to and including the one of `ledgerEntryId`, in
 * ledger order (the account's gapless sequence): the running total as of that event, the same
 * whenever it is asked.
 */
export async function taskTotalThrough(db: Db, accountId: string, taskId: string, ledgerEntryId: string): Promise<bigint> {
  const row = (await db('usage_events as e')
    .join('ledger_entries as l', 'l.id', 'e.ledger_entry_id')
    .where({ 'e.account_id': accountId, 'e.task_id': taskId })
    .where('l.seq', '<=', db('ledger_entries').where({ id: ledgerEntryId }).select('seq'))
    .first(db.raw('coalesce(sum(e.credits_charged), 0)::text as total'))) as { total: string };
  return BigInt(row.total);
}
