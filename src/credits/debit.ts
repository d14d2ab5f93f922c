import type { Db } from '../db/knex';
import { GENERATED_KEY_PREFIX } from '../shared/request-hash';
import type { PublisherAccrualInsert } from '../payouts/usage-accruals';
import type { Unit } from './compute/burn-order';
import type { StoredUsageLine, UsageColumns } from './usage-rows';

/**
 * One debit for the `settle_debit_batch` database function (migrations/sql/settle-debit-one-row.ts,
 * the only implementation of the debit rules). The rows it records come typed, one mapper per
 * table (./usage-rows.ts, src/payouts/usage-accruals.ts): the function reads them by column name.
 */
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
  /** a usage debit's record, stored on its credits entry */
  usage: UsageColumns | null;
  lines: StoredUsageLine[] | null;
  accruals: PublisherAccrualInsert[] | null;
  /** The request's model tokens, taken from the plan's monthly token allowance with the credits (its own ledger entry). */
  modelTokens?: { amount: bigint; entryId: string };
}

export type DebitOutcome =
  | { kind: 'ok'; entryId: string; balanceAfter: bigint; covered: bigint; overage: bigint; available: bigint }
  | { kind: 'replay'; entryId: string; requestHash: string | null }
  | { kind: 'insufficient'; available: bigint }
  | { kind: 'insufficient_tokens'; available: bigint }
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
    // A request that sent no key cannot be replayed: its debit stores no key (nor an index entry).
    key: request.idempotencyKey.startsWith(GENERATED_KEY_PREFIX) ? null : request.idempotencyKey,
    hash: request.requestHash,
    type: request.type,
    description: request.description,
    reference: request.reference,
    at: request.at.toISOString(),
    entry_id: request.entryId,
    agent: request.agent,
    usage: request.usage,
    lines: request.lines,
    accruals: request.accruals,
    tokens: request.modelTokens?.amount ?? null,
    token_entry_id: request.modelTokens?.entryId ?? null,
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
    case 'insufficient_tokens':
      return { kind: row.outcome, available: BigInt(row.available!) };
    case 'agent_limit':
      return { kind: 'agent_limit', limit: row.agent_limit! };
    case 'closed_period':
      return { kind: 'closed_period' };
    case 'no_account':
      return { kind: 'no_account' };
  }
}

/** One debit in its own database call (inside a caller's transaction, or as a batch fallback): a batch of one. */
export async function debitOne(db: Db, request: DebitRequest): Promise<DebitOutcome> {
  const result = await db.raw('select * from settle_debit_batch(?::jsonb)', [toJson([debitItemOf(request)])]);
  return outcomeOf(result.rows[0] as DebitRow);
}
