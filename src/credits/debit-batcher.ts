import type { Knex } from 'knex';
import { noteDebitForAutoRecharge } from '../auto-recharge/crossing-watch';
import { GroupCommit } from '../db/group-commit';
import type { Db } from '../db/knex';
import { observeDebitBatch } from '../observability/process-metrics';
import { debitItemOf, debitOne, outcomeOf, toJson, type DebitOutcome, type DebitRequest, type DebitRow } from './debit';

/** One `settle_debit_batch` call for the lot; its rows name the item they answer by `idx`. */
async function debitBatch(db: Knex, requests: DebitRequest[]): Promise<DebitOutcome[]> {
  const result = await db.raw('select * from settle_debit_batch(?::jsonb)', [toJson(requests.map(debitItemOf))]);
  const outcomes: DebitOutcome[] = [];
  for (const row of result.rows as Array<DebitRow & { idx: number }>) outcomes[row.idx] = outcomeOf(row);
  return outcomes;
}

const batchers = new WeakMap<Knex, GroupCommit<DebitRequest, DebitOutcome>>();

/**
 * Debits through the per-process group commit (src/db/group-commit.ts): concurrent debits share
 * one `settle_debit_batch` call and one commit. Inside a caller's transaction the debit runs
 * alone, in that transaction.
 */
export function debit(db: Db, request: DebitRequest): Promise<DebitOutcome> {
  if (db.isTransaction) return debitOne(db, request);
  let batcher = batchers.get(db as Knex);
  if (!batcher) {
    const options = { stallMs: 50, maxInFlight: 4, maxBatch: 100, observe: observeDebitBatch };
    batchers.set(db as Knex, (batcher = new GroupCommit((requests) => debitBatch(db as Knex, requests), options)));
  }
  const outcome = batcher.submit(request);
  // Auto-recharge only notes a threshold crossing here; it never holds up the debit.
  void outcome.then((answered) => noteDebitForAutoRecharge(db, request, answered), () => undefined);
  return outcome;
}
