import type { Knex } from 'knex';

// usage events and their lines are rows of ledger_entries (the usage_events and usage_items views)
const LEDGER_TABLES = ['ledger_entries'];

export interface IndexShape {
  index: string;
  levels: number;
  mib: number;
}

/** B-tree depth (root level + 1, from pageinspect's metapage) and size of every ledger index. */
export async function indexShapes(db: Knex): Promise<IndexShape[]> {
  await db.raw('create extension if not exists pageinspect');
  const result = await db.raw(
    `select i.indexrelid::regclass::text as index, (select level from bt_metap(i.indexrelid::regclass::text)) + 1 as levels,
            round(pg_relation_size(i.indexrelid) / 1048576.0, 1)::float as mib
       from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
      where i.indrelid::regclass::text = any(?) and am.amname = 'btree' order by 1`,
    [LEDGER_TABLES],
  );
  return result.rows.map((row: IndexShape) => ({ index: row.index, levels: Number(row.levels), mib: Number(row.mib) }));
}

export async function tableSizes(db: Knex): Promise<Array<{ table: string; rows: number; heap_mib: number; indexes_mib: number }>> {
  const result = await db.raw(
    `select c.relname as table, c.reltuples::bigint as rows, round(pg_relation_size(c.oid) / 1048576.0)::float as heap_mib,
            round(pg_indexes_size(c.oid) / 1048576.0)::float as indexes_mib
       from pg_class c where c.relname = any(?) order by 1`,
    [LEDGER_TABLES],
  );
  return result.rows.map((row: { table: string; rows: string; heap_mib: number; indexes_mib: number }) => ({ ...row, rows: Number(row.rows) }));
}

export interface RetentionCost {
  rows_copied: number;
  month: string;
  month_rows: number;
  delete_ms: number;
  vacuum_ms: number;
  detach_drop_ms: number;
}

/**
 * Retention of one month, both ways, on copies of the ledger entries of the accounts 1..maxN
 * (the ledger itself is append-only): DELETE of the oldest month from a plain table with the
 * ledger's indexes, plus the VACUUM that makes the space reusable, against DETACH + DROP of that
 * month's partition in a table range-partitioned by effective_at (keys extended by effective_at).
 */
export async function retentionCost(db: Knex, maxN: number): Promise<RetentionCost> {
  await dropCopies(db);
  await db.raw(`create table scale_flat (like ledger_entries including defaults including indexes)`);
  const copied = await db.raw(`insert into scale_flat select e.* from ledger_entries e join scale_accounts a on a.id = e.account_id where a.n <= ?`, [maxN]);
  await db.raw(`create table scale_parted (like ledger_entries including defaults) partition by range (effective_at)`);
  const months = await db.raw(
    `select to_char(m, 'YYYY_MM') as name, m as from_at, m + interval '1 month' as to_at
       from generate_series((select date_trunc('month', min(effective_at), 'UTC') from scale_flat), (select date_trunc('month', max(effective_at), 'UTC') from scale_flat), interval '1 month') m`,
  );
  for (const month of months.rows) {
    // DDL takes no bind parameters; the bounds are timestamps PostgreSQL just produced
    await db.raw(`create table scale_parted_${month.name} partition of scale_parted for values from ('${new Date(month.from_at).toISOString()}') to ('${new Date(month.to_at).toISOString()}')`);
  }
  await db.raw(`alter table scale_parted add primary key (id, effective_at)`);
  await db.raw(`create unique index on scale_parted (account_id, unit, seq, effective_at)`);
  await db.raw(`create unique index on scale_parted (account_id, idempotency_key, effective_at)`);
  await db.raw(`create index on scale_parted (account_id, unit, effective_at)`);
  await db.raw(`insert into scale_parted select * from scale_flat`);
  await db.raw(`vacuum analyze scale_flat`);
  await db.raw(`vacuum analyze scale_parted`);
  const oldest = months.rows[0];
  const monthRows = await db.raw(`select count(*)::int as rows from scale_flat where effective_at < ?`, [oldest.to_at]);

  const deleteMs = await timed(() => db.raw(`delete from scale_flat where effective_at < ?`, [oldest.to_at]));
  const vacuumMs = await timed(() => db.raw(`vacuum scale_flat`));
  const detachDropMs = await timed(async () => {
    await db.raw(`alter table scale_parted detach partition scale_parted_${oldest.name}`);
    await db.raw(`drop table scale_parted_${oldest.name}`);
  });
  await dropCopies(db);
  return { rows_copied: copied.rowCount, month: String(oldest.name).replace('_', '-'), month_rows: monthRows.rows[0].rows, delete_ms: deleteMs, vacuum_ms: vacuumMs, detach_drop_ms: detachDropMs };
}

async function dropCopies(db: Knex): Promise<void> {
  await db.raw('drop table if exists scale_flat');
  await db.raw('drop table if exists scale_parted');
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round(performance.now() - started);
}
