import type { Knex } from 'knex';

/**
 * Bytes the database grew by per recorded row over `work`: CHECKPOINT, size, work, CHECKPOINT,
 * size, divided by how many `counted` rows appeared. Settle's bytes per debit (counting ledger
 * entries) measured exactly as pgledger's bytes per transfer (bench/lib/pgledger.ts).
 */
export async function bytesPerRow<T>(db: Knex, counted: string, work: () => Promise<T>): Promise<{ result: T; rows: number; bytesPerRow: number }> {
  const measure = async () => {
    await db.raw('checkpoint');
    const size = await db.raw('select pg_database_size(current_database())::bigint as bytes');
    const rows = await db(counted).count<{ count: string }[]>('* as count');
    return { bytes: Number(size.rows[0].bytes), rows: Number(rows[0]!.count) };
  };
  const before = await measure();
  const result = await work();
  const after = await measure();
  const rows = after.rows - before.rows;
  return { result, rows, bytesPerRow: rows > 0 ? Math.round((after.bytes - before.bytes) / rows) : NaN };
}
