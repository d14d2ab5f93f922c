import type { Knex } from 'knex';
import { toJson } from '../credits/debit';
import { GroupCommit } from '../db/group-commit';

/** One placement for `settle_hold_batch` (migrations/20261204000104_settle_hold_batch.ts). */
export interface PlaceRequest {
  accountId: string;
  id: string;
  /** micro-credits */
  amount: bigint;
  expiresAt: Date;
  agent: string | null;
  taskId: string | null;
  idempotencyKey: string;
  requestHash: string;
}

export interface PlaceRow {
  outcome: 'ok' | 'replay' | 'insufficient' | 'agent_limit' | 'no_account';
  hold_id: string | null;
  available: string | null;
  request_hash: string | null;
  agent_limit: number | null;
}

async function placeBatch(db: Knex, requests: PlaceRequest[]): Promise<PlaceRow[]> {
  const batch = requests.map((r) => ({
    account_id: r.accountId,
    id: r.id,
    amount: r.amount,
    expires_at: r.expiresAt.toISOString(),
    agent: r.agent,
    task_id: r.taskId,
    key: r.idempotencyKey,
    hash: r.requestHash,
  }));
  const result = await db.raw('select * from settle_hold_batch(?::jsonb)', [toJson(batch)]);
  const rows: PlaceRow[] = [];
  for (const row of result.rows as Array<PlaceRow & { idx: number }>) rows[row.idx] = row;
  return rows;
}

const batchers = new WeakMap<Knex, GroupCommit<PlaceRequest, PlaceRow>>();

/** Placements through the per-process micro-batcher: concurrent ones share one call and one commit. */
export function submitPlacement(db: Knex, request: PlaceRequest): Promise<PlaceRow> {
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = new GroupCommit((requests) => placeBatch(db, requests))));
  return batcher.submit(request);
}
