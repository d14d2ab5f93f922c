import type { Knex } from 'knex';
import { DEBIT_BATCH_ONE_ROW_SQL } from './sql/settle-debit-one-row';
import { DEBIT_BATCH_TOKENS_SQL } from './sql/settle-debit-tokens';

/**
 * One row per metered call. A usage debit wrote three rows (its ledger entry, a usage_events row
 * and a usage_items row per line) with eight index entries; the usage record now lives on the
 * ledger entry itself, so a tool call writes one row and six index entries:
 *
 * - ledger_entries gains the usage columns (null on every other entry; zeros are stored as null)
 *   and `lines`, the priced lines as a jsonb array of objects holding only their non-default keys
 *   (integers as strings, as JSON carries bigints everywhere in Settle).
 * - `usage_events` and `usage_items` become views in their old shape (ids, columns, defaults), so
 *   every reader keeps its query; the views keep `unit = 'credits' and lines is not null`, which
 *   is what lets PostgreSQL use the partial indexes below and ledger_by_time for occurred_at.
 * - usage_events' indexes become partial indexes of ledger_entries with the same columns: by id
 *   (the entry's reference, unique), by insertion time (the rollup's sweep), by account and
 *   insertion time (a report's rows not rolled up) and by task.
 * - `ledger_entry_burns(e)`: a debit that burned one grant stores it as grant_id and no burns
 *   (settle_debit_batch, ./sql/settle-debit-one-row.ts); this reads either form as the list.
 *
 * Existing rows are moved, not rebuilt: each usage event onto its entry (checked first to agree
 * with it on everything the views derive from the entry), its lines into `lines`.
 */

const USAGE_COLUMNS = `
  add column agent text,
  add column task_id text,
  add column markup bigint,
  add column rounding bigint,
  add column provider_cost bigint,
  add column input_tokens bigint,
  add column output_tokens bigint,
  add column cache_write_tokens bigint,
  add column cache_read_tokens bigint,
  add column markup_bps integer,
  add column lines jsonb`;

/**
 * A usage_items row as a stored line: only the keys whose value is not the default the view fills
 * in, integers as JSON strings as the debit's caller sends them (src/credits/usage-rows.ts).
 */
const STORED_LINE_SQL = `jsonb_strip_nulls(jsonb_build_object(
  'tool', i.tool, 'publisher_id', i.publisher_id, 'model', i.model, 'provider', i.provider,
  'quantity', nullif(i.quantity, 1)::text, 'input_tokens', nullif(i.input_tokens, 0)::text,
  'output_tokens', nullif(i.output_tokens, 0)::text, 'cache_write_tokens', nullif(i.cache_write_tokens, 0)::text,
  'cache_read_tokens', nullif(i.cache_read_tokens, 0)::text, 'milli_minutes', nullif(i.milli_minutes, 0)::text,
  'images', nullif(i.images, 0)::text, 'credits', i.credits::text, 'provider_cost', nullif(i.provider_cost, 0)::text))`;

const VIEWS = `
create view usage_events as
select e.reference as id, e.account_id, e.id as ledger_entry_id, e.agent, e.task_id,
       e.overage - e.amount as credits_charged,
       coalesce(e.markup, 0) as markup, coalesce(e.rounding, 0) as rounding, e.overage, e.balance_after,
       coalesce(e.provider_cost, 0) as provider_cost,
       coalesce(e.input_tokens, 0) as input_tokens, coalesce(e.output_tokens, 0) as output_tokens,
       coalesce(e.cache_write_tokens, 0) as cache_write_tokens, coalesce(e.cache_read_tokens, 0) as cache_read_tokens,
       e.markup_bps, e.effective_at as occurred_at, e.created_at
  from ledger_entries e
 where e.unit = 'credits' and e.lines is not null;

create view usage_items as
select e.reference as usage_event_id, (l.n - 1)::integer as position, e.account_id, e.effective_at as occurred_at, e.agent,
       case when l.tool is not null then 'tool' else 'model' end as kind,
       l.tool, l.publisher_id, l.model, l.provider, coalesce(l.quantity, 1) as quantity,
       coalesce(l.input_tokens, 0) as input_tokens, coalesce(l.output_tokens, 0) as output_tokens,
       coalesce(l.cache_write_tokens, 0) as cache_write_tokens, coalesce(l.cache_read_tokens, 0) as cache_read_tokens,
       coalesce(l.milli_minutes, 0) as milli_minutes, coalesce(l.images, 0) as images,
       l.credits, coalesce(l.provider_cost, 0) as provider_cost, e.created_at
  from ledger_entries e
 cross join lateral rows from (jsonb_to_recordset(e.lines) as (
       tool text, publisher_id text, model text, provider text, quantity bigint, input_tokens bigint, output_tokens bigint,
       cache_write_tokens bigint, cache_read_tokens bigint, milli_minutes bigint, images bigint, credits bigint,
       provider_cost bigint)) with ordinality as l(tool, publisher_id, model, provider, quantity, input_tokens, output_tokens,
       cache_write_tokens, cache_read_tokens, milli_minutes, images, credits, provider_cost, n)
 where e.unit = 'credits' and e.lines is not null;

create unique index usage_events_by_id on ledger_entries (reference) where unit = 'credits' and lines is not null;
create index usage_events_by_created on ledger_entries (created_at) where unit = 'credits' and lines is not null;
create index usage_events_by_account_created on ledger_entries (account_id, created_at) where unit = 'credits' and lines is not null;
create index usage_events_by_task on ledger_entries (account_id, task_id) where unit = 'credits' and lines is not null and task_id is not null;

create function ledger_entry_burns(e ledger_entries) returns jsonb language sql immutable as $$
  select case when e.burns is not null then e.burns
              when e.type not in ('usage', 'debit') then null
              when e.grant_id is not null then jsonb_build_array(jsonb_build_object('grant_id', e.grant_id, 'amount', -e.amount))
              else '[]'::jsonb end
$$;`;

/** Fails the migration, naming a few rows, if any usage event disagrees with its entry on what the views derive. */
async function checkEventsMatchEntries(knex: Knex): Promise<void> {
  const result = await knex.raw(`
    select u.id from usage_events u left join ledger_entries e on e.id = u.ledger_entry_id
     where e.id is null or e.unit <> 'credits' or e.reference is distinct from u.id or e.account_id <> u.account_id
        or e.effective_at <> u.occurred_at or e.overage - e.amount <> u.credits_charged or e.overage <> u.overage
        or e.balance_after <> u.balance_after
     limit 5`);
  const ids = (result.rows as Array<{ id: string }>).map((row) => row.id);
  if (ids.length > 0) throw new Error(`cannot move usage events onto their ledger entries: they disagree (e.g. ${ids.join(', ')})`);
}

export async function up(knex: Knex): Promise<void> {
  await checkEventsMatchEntries(knex);
  await knex.raw(`alter table ledger_entries ${USAGE_COLUMNS}`);
  await knex.raw(`
    alter table ledger_entries disable trigger ledger_entries_no_update; -- append-only, except for this move
    update ledger_entries e
       set agent = u.agent, task_id = u.task_id, markup = nullif(u.markup, 0), rounding = nullif(u.rounding, 0),
           provider_cost = nullif(u.provider_cost, 0), input_tokens = nullif(u.input_tokens, 0),
           output_tokens = nullif(u.output_tokens, 0), cache_write_tokens = nullif(u.cache_write_tokens, 0),
           cache_read_tokens = nullif(u.cache_read_tokens, 0), markup_bps = u.markup_bps,
           lines = coalesce((select jsonb_agg(${STORED_LINE_SQL} order by i.position) from usage_items i where i.usage_event_id = u.id), '[]')
      from usage_events u
     where u.ledger_entry_id = e.id;
    alter table ledger_entries enable trigger ledger_entries_no_update;
    drop table usage_items;
    drop table usage_events;`);
  await knex.raw(VIEWS);
  await knex.raw(DEBIT_BATCH_ONE_ROW_SQL);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create table usage_event_rows as select * from usage_events;
    create table usage_item_rows as select * from usage_items;
    drop view usage_items;
    drop view usage_events;
    alter table ledger_entries disable trigger ledger_entries_no_update;
    update ledger_entries e set burns = ledger_entry_burns(e) where e.burns is null and e.type in ('usage', 'debit');
    alter table ledger_entries enable trigger ledger_entries_no_update;
    drop function ledger_entry_burns(ledger_entries);
    alter table ledger_entries drop column agent, drop column task_id, drop column markup, drop column rounding,
      drop column provider_cost, drop column input_tokens, drop column output_tokens, drop column cache_write_tokens,
      drop column cache_read_tokens, drop column markup_bps, drop column lines;
    alter table usage_event_rows rename to usage_events;
    alter table usage_events add primary key (id), add foreign key (account_id) references accounts (id),
      add foreign key (ledger_entry_id) references ledger_entries (id);
    alter table usage_item_rows rename to usage_items;
    alter table usage_items drop column created_at, add primary key (usage_event_id, position),
      add foreign key (usage_event_id) references usage_events (id);
    create index usage_events_by_time on usage_events (account_id, occurred_at);
    create index usage_events_by_created on usage_events (created_at);
    create index usage_events_by_account_created on usage_events (account_id, created_at);
    create index usage_events_by_task on usage_events (account_id, task_id) where task_id is not null;`);
  await knex.raw(DEBIT_BATCH_TOKENS_SQL);
}
