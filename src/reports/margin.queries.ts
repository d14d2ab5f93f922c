import type { Db } from '../db/knex';

export type MarginGroup = 'model' | 'provider' | 'account';

export interface MarginRow {
  key: string;
  calls: number;
  credits: string;
  provider_cost: string;
}

/**
 * Usage in [from, to) summed per group. Models and providers are read from the priced lines
 * (model lines only: a tool line or an agent run's markup has no model provider); accounts from
 * the events, so their credits are everything they were charged.
 */
export async function marginRows(db: Db, groupBy: MarginGroup, from: Date, to: Date): Promise<MarginRow[]> {
  const query =
    groupBy === 'account'
      ? db('usage_events').select({ key: 'account_id' }, db.raw('count(*)::int as calls'), db.raw('sum(credits_charged)::text as credits'))
      : db('usage_items').where({ kind: 'model' }).select({ key: groupBy }, db.raw('count(*)::int as calls'), db.raw('sum(credits)::text as credits'));
  return (await query
    .select(db.raw('sum(provider_cost)::text as provider_cost'))
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .groupBy(1)
    .orderBy(1)) as MarginRow[];
}

/** Everything charged in [from, to), tools, markup and rounding included. */
export async function marginTotals(db: Db, from: Date, to: Date): Promise<MarginRow> {
  return (await db('usage_events')
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .first(
      db.raw(`'total' as key`),
      db.raw('count(*)::int as calls'),
      db.raw('coalesce(sum(credits_charged), 0)::text as credits'),
      db.raw('coalesce(sum(provider_cost), 0)::text as provider_cost'),
    )) as MarginRow;
}
