import type { Knex } from 'knex';

/** Bytes of each table, index and TOAST relation of the public schema (after a checkpoint). */
async function relationSizes(db: Knex): Promise<Map<string, number>> {
  const result = await db.raw(`
    select c.relname as name, pg_relation_size(c.oid)::bigint as bytes
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname in ('public', 'pg_toast') and c.relkind in ('r', 'i', 't')`);
  return new Map(result.rows.map((row: { name: string; bytes: string }) => [row.name, Number(row.bytes)]));
}

/**
 * Bytes the database grew by per recorded row over `work`: CHECKPOINT, size, work, CHECKPOINT,
 * size, divided by how many `counted` rows appeared. Settle's bytes per debit (counting ledger
 * entries) measured exactly as pgledger's bytes per transfer (bench/lib/pgledger.ts). `byRelation`
 * splits the growth per table and index, largest first: where a debit's bytes go.
 */
export async function bytesPerRow<T>(
  db: Knex,
  counted: string,
  work: () => Promise<T>,
): Promise<{ result: T; rows: number; bytesPerRow: number; byRelation: Array<{ relation: string; bytesPerRow: number }> }> {
  const measure = async () => {
    await db.raw('checkpoint');
    const size = await db.raw('select pg_database_size(current_database())::bigint as bytes');
    const rows = await db(counted).count<{ count: string }[]>('* as count');
    return { bytes: Number(size.rows[0].bytes), rows: Number(rows[0]!.count), relations: await relationSizes(db) };
  };
  const before = await measure();
  const result = await work();
  const after = await measure();
  const rows = after.rows - before.rows;
  const byRelation = [...after.relations]
    .map(([relation, bytes]) => ({ relation, bytesPerRow: rows > 0 ? Math.round((bytes - (before.relations.get(relation) ?? 0)) / rows) : NaN }))
    .filter((entry) => entry.bytesPerRow !== 0)
    .sort((a, b) => b.bytesPerRow - a.bytesPerRow);
  return { result, rows, bytesPerRow: rows > 0 ? Math.round((after.bytes - before.bytes) / rows) : NaN, byRelation };
}
