import type { Db } from '../db/knex';
import type { Unit } from './compute/burn-order';

/** One debit for the `settle_debit` database functions (migrations/sql/settle-debit-set-based.ts). */
export interface DebitRequest {
  accountId: string;
  unit: Unit;
  amount: bigint;
  idempotencyKey: string;
  requestHash: string;
  type: 'debit' | 'usage';
  description: string | null;
  reference: string | null;
  at: Date;
  entryId: string;
  agent: string | null;
  /** a usage_events row (without the columns the function fills in) */
  usage: Record<string, unknown> | null;
  items: Array<Record<string, unknown>> | null;
  accruals: Array<Record<string, unknown>> | null;
}

export type DebitOutcome =
  | { kind: 'ok'; entryId: string; balanceAfter: bigint; covered: bigint; overage: bigint; available: bigint }
  | { kind: 'replay'; entryId: string; requestHash: string | null }
  | { kind: 'insufficient'; available: bigint }
  | { kind: 'agent_limit'; limit: number }
  | { kind: 'closed_period' }
  | { kind: 'no_account' };

export interface DebitRow {
  outcome: DebitOutcome['kind'];
  entry_id: string | null;
  balance_after: string | null;
  covered: string | null;
  overage: string | null;
  available: string | null;
  request_hash: string | null;
  agent_limit: number | null;
}

/** A debit as `settle_debit_batch` reads it from its jsonb argument (one object per item). */
export function debitItemOf(request: DebitRequest) {
  return {
    account_id: request.accountId,
    unit: request.unit,
    amount: request.amount,
    key: request.idempotencyKey,
    hash: request.requestHash,
    type: request.type,
    description: request.description,
    reference: request.reference,
    at: request.at.toISOString(),
    entry_id: request.entryId,
    agent: request.agent,
    usage: request.usage,
    items: request.items,
    accruals: request.accruals,
  };
}

export const toJson = (value: unknown) =>
  value === null ? null : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

export function outcomeOf(row: DebitRow): DebitOutcome {
  switch (row.outcome) {
    case 'ok':
      return { kind: 'ok', entryId: row.entry_id!, balanceAfter: BigInt(row.balance_after!), covered: BigInt(row.covered!), overage: BigInt(row.overage!), available: BigInt(row.available!) };
    case 'replay':
      return { kind: 'replay', entryId: row.entry_id!, requestHash: row.request_hash };
    case 'insufficient':
      return { kind: 'insufficient', available: BigInt(row.available!) };
    case 'agent_limit':
      return { kind: 'agent_limit', limit: row.agent_limit! };
    case 'closed_period':
      return { kind: 'closed_period' };
    case 'no_account':
      return { kind: 'no_account' };
  }
}

/** One debit in its own database call (inside a caller's transaction, or as a batch fallback). */
export async function debitOne(db: Db, request: DebitRequest): Promise<DebitOutcome> {
  const result = await db.raw(`select * from settle_debit(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb)`, [
    request.accountId,
    request.unit,
    request.amount.toString(),
    request.idempotencyKey,
    request.requestHash,
    request.type,
    request.description,
    request.reference,
    request.at,
    request.entryId,
    request.agent,
    toJson(request.usage),
    toJson(request.items),
    toJson(request.accruals),
  ]);
  return outcomeOf(result.rows[0] as DebitRow);
}
