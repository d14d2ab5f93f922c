import type { Knex } from 'knex';

/**
 * The daily usage rollup (issue 14): adds usage to usage_daily by insertion time, not by event
 * time, so late usage (occurred_at days ago, recorded now) is counted once like any other.
 *
 * A usage row's created_at is its debit transaction's start (`now()`), and it becomes visible when
 * that transaction commits. No debit transaction runs for SETTLE_LAG (a debit is one statement, or
 * a capture's short transaction; operators may enforce it with PostgreSQL's transaction_timeout,
 * see docs/scaling.md), so once created_at is older
 * than `now - SETTLE_LAG` every row at or before it is committed and none can still appear there:
 * the sweep only takes rows with created_at in [watermark, now - SETTLE_LAG), adds them and moves
 * the watermark in the same transaction (a crash leaves both as they were). The watermark row's
 * lock serialises sweeps from several workers.
 */
export const SETTLE_LAG_MS = 10 * 60_000;

export interface RollUpOptions {
  /** At most about this many events per transaction (all the events of one instant stay together). */
  batch: number;
  /** Defaults to the database's clock; tests move it forward instead of waiting SETTLE_LAG. */
  now?: Date;
}

export interface RollUpStep {
  /** usage events added to the rollup */
  events: number;
  /** the watermark after the step (PostgreSQL's text: microseconds, which a Date would cut) */
  rolledUpBefore: string;
}

/**
 * One step in one transaction: the oldest events not rolled up, up to the `batch`-th one's
 * instant inclusive (so a step takes at least `batch` events while more are waiting, and fewer
 * only when it has caught up), their lines, and the watermark moved past them.
 */
export async function rollUpUsageStep(db: Knex, options: RollUpOptions): Promise<RollUpStep> {
  return db.transaction(async (trx) => {
    // the window stays PostgreSQL text: a JavaScript Date would cut created_at's microseconds
    const { rows } = await trx.raw<{ rows: Array<{ from: string; to: string }> }>(
      `with w as (select rolled_up_before as mark, coalesce(?::timestamptz, now()) - ?::interval as settled
                    from usage_rollup_watermark for update),
            cut as (select e.created_at from usage_events e, w
                     where e.created_at >= w.mark and e.created_at < w.settled
                     order by e.created_at offset ? limit 1)
       select w.mark::text as "from",
              greatest(w.mark, coalesce((select created_at + interval '1 microsecond' from cut), w.settled))::text as "to"
         from w`,
      [options.now ?? null, `${SETTLE_LAG_MS} milliseconds`, options.batch - 1],
    );
    const window = rows[0]!;
    if (window.to === window.from) return { events: 0, rolledUpBefore: window.from };
    const events = await addEvents(trx, window.from, window.to);
    await addLines(trx, window.from, window.to);
    await trx.raw('update usage_rollup_watermark set rolled_up_before = ?::timestamptz, updated_at = now()', [window.to]);
    return { events, rolledUpBefore: window.to };
  });
}

const SUMS = [
  'lines', 'quantity', 'input_tokens', 'output_tokens', 'cache_write_tokens', 'cache_read_tokens',
  'milli_minutes', 'images', 'credits', 'provider_cost', 'markup', 'rounding', 'overage',
] as const;

const ADD_ON_CONFLICT = `on conflict on constraint usage_daily_key do update set
  ${SUMS.map((column) => `${column} = usage_daily.${column} + excluded.${column}`).join(',\n  ')},
  updated_at = now()`;

const INSERT_INTO = `insert into usage_daily (account_id, day, kind, agent, tool, publisher_id, model, provider, ${SUMS.join(', ')})`;

async function addEvents(trx: Knex.Transaction, from: string, to: string): Promise<number> {
  const { rows } = await trx.raw<{ rows: Array<{ events: string }> }>(
    `with grouped as (
       select account_id, (occurred_at at time zone 'UTC')::date as day, 'event' as kind, agent,
              null::text as tool, null::text as publisher_id, null::text as model, null::text as provider,
              count(*) as lines, 0 as quantity, sum(input_tokens) as input_tokens, sum(output_tokens) as output_tokens,
              sum(cache_write_tokens) as cache_write_tokens, sum(cache_read_tokens) as cache_read_tokens, 0 as milli_minutes, 0 as images,
              sum(credits_charged) as credits, sum(provider_cost) as provider_cost, sum(markup) as markup, sum(rounding) as rounding, sum(overage) as overage
         from usage_events
        where created_at >= ?::timestamptz and created_at < ?::timestamptz
        group by 1, 2, 4),
     added as (${INSERT_INTO} select * from grouped ${ADD_ON_CONFLICT})
     select coalesce(sum(lines), 0)::text as events from grouped`,
    [from, to],
  );
  return Number(rows[0]!.events);
}

async function addLines(trx: Knex.Transaction, from: string, to: string): Promise<void> {
  // a line is part of its event's ledger entry: the same rows, by the same index on created_at
  await trx.raw(
    `${INSERT_INTO}
     select i.account_id, (i.occurred_at at time zone 'UTC')::date, i.kind, i.agent, i.tool, i.publisher_id, i.model, i.provider,
            count(*), sum(i.quantity), sum(i.input_tokens), sum(i.output_tokens), sum(i.cache_write_tokens), sum(i.cache_read_tokens),
            sum(i.milli_minutes), sum(i.images), sum(i.credits), sum(i.provider_cost), 0, 0, 0
       from usage_items i
      where i.created_at >= ?::timestamptz and i.created_at < ?::timestamptz
      group by 1, 2, 3, 4, 5, 6, 7, 8
     ${ADD_ON_CONFLICT}`,
    [from, to],
  );
}
