import type { Knex } from 'knex';

export function createSystemActivities(deps: { db: Knex }) {
  return {
    /** Idempotent by check id: a retried attempt finds the row it already wrote. */
    async recordSystemCheck(input: { id: string; note: string }) {
      await deps.db('system_checks').insert(input).onConflict('id').ignore();
      const row: { note: string; checked_at: Date } = await deps.db('system_checks').where({ id: input.id }).first();
      return { id: input.id, note: row.note, checkedAt: row.checked_at.toISOString(), roundTripOk: row.note === input.note };
    },
  };
}
