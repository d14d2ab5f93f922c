import type { Knex } from 'knex';
import { debitItemOf, toJson, type DebitRequest, type DebitRow } from '../credits/debit';
import { GroupCommit } from '../db/group-commit';

/** One capture for `settle_capture_batch` (migrations/sql/settle-capture.ts). */
export interface CaptureRequest {
  holdId: string;
  /** the usage debit as POST /v1/usage would send it; the function may lower its amount */
  debit: DebitRequest;
  /** the text of the `uncaptured` breakdown line, should the charge be capped */
  uncapturedDescription: string;
}

export type CaptureRow = Omit<DebitRow, 'outcome'> & {
  outcome: DebitRow['outcome'] | 'not_found' | 'not_active';
  hold_status: string | null;
  charged: string | null;
  uncaptured: string | null;
};

async function captureBatch(db: Knex, requests: CaptureRequest[]): Promise<CaptureRow[]> {
  const batch = requests.map((request) => ({ hold_id: request.holdId, uncaptured_description: request.uncapturedDescription, debit: debitItemOf(request.debit) }));
  const result = await db.raw('select * from settle_capture_batch(?::jsonb)', [toJson(batch)]);
  const rows: CaptureRow[] = [];
  for (const row of result.rows as Array<CaptureRow & { idx: number }>) rows[row.idx] = row;
  return rows;
}

const batchers = new WeakMap<Knex, GroupCommit<CaptureRequest, CaptureRow>>();

/** Captures through the per-process micro-batcher: concurrent captures share one call and one commit. */
export function submitCapture(db: Knex, request: CaptureRequest): Promise<CaptureRow> {
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = new GroupCommit((requests) => captureBatch(db, requests))));
  return batcher.submit(request);
}
