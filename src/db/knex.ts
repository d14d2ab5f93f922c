import knex, { type Knex } from 'knex';
import pg from 'pg';

/** A connection or an open transaction: query functions accept either. */
export type Db = Knex | Knex.Transaction;

// bigint columns hold micro-credits and minor units; keep them exact as strings → BigInt at the
// mapper, never as JS numbers. int8 would otherwise come back as a string anyway, this is explicit.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => value);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => value);

export function createDb(databaseUrl: string, poolMax = 20): Knex {
  return knex({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 15000,
  });
}
