import type { Knex } from 'knex';
import type { Db } from './knex';

/** Runs `work` in the caller's transaction when given one, else in a new one. */
export function inTransaction<T>(db: Db, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Knex.Transaction) : (db as Knex).transaction(work);
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError.code === '23505' && (!constraint || pgError.constraint === constraint);
}
