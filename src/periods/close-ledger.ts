import type { Knex } from 'knex';
import { DEFAULT_PRIORITY, type Unit } from '../credits/compute/burn-order';

import type { ClosePlan } from './compute/plan-close-ledger';

/** Loads what the close plan needs; the caller holds the account's balance-row locks. */
export async function openGrants(trx: Knex.Transaction, accountId: string) {
  const rows: Array<{ id: string; unit: Unit; kind: string; source: string | null; remaining: string; expires_at: Date | null }> = await trx('grants')
    .where({ account_id: accountId })
    .where('remaining', '>', 0)
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .select('id', 'unit', 'kind', 'source', 'remaining', 'expires_at');
  return rows.map((row) => ({ id: row.id, unit: row.unit, kind: row.kind, source: row.source, remaining: BigInt(row.remaining), expiresAt: row.expires_at }));
}

/** Writes a close plan with a handful of set-based statements. */
export async function applyClosePlan(trx: Knex.Transaction, accountId: string, plan: ClosePlan): Promise<void> {
  if (plan.grants.length) {
    await trx('grants').insert(
      plan.grants.map((grant) => ({
        id: grant.id,
        account_id: accountId,
        unit: grant.unit,
        kind: 'included',
        priority: DEFAULT_PRIORITY.included,
        amount: grant.amount.toString(),
        remaining: grant.amount.toString(),
        starts_at: grant.startsAt,
        expires_at: grant.expiresAt,
        source: grant.source,
        description: grant.description,
      })),
    );
  }
  // One row per grant: an UPDATE … FROM applies only one matching row to each target.
  const reductions = new Map<string, bigint>();
  for (const { grantId, amount } of plan.reductions) reductions.set(grantId, (reductions.get(grantId) ?? 0n) + amount);
  if (reductions.size) {
    const values = [...reductions].map(() => '(?, ?::bigint)').join(', ');
    await trx.raw(
      `update grants g set remaining = g.remaining - v.amount from (values ${values}) as v(id, amount) where g.id = v.id`,
      [...reductions].flatMap(([grantId, amount]) => [grantId, amount.toString()]),
    );
  }
  if (plan.entries.length) {
    await trx('ledger_entries').insert(
      plan.entries.map((entry) => ({
        id: entry.id,
        account_id: accountId,
        unit: entry.unit,
        seq: entry.seq.toString(),
        type: entry.type,
        amount: entry.amount.toString(),
        balance_after: entry.balanceAfter.toString(),
        idempotency_key: entry.idempotencyKey,
        description: entry.description,
        reference: entry.reference,
        grant_id: entry.grantId,
        effective_at: entry.effectiveAt,
      })),
    );
  }
  for (const unit of ['credits', 'tokens'] as const) {
    const position = plan.positions[unit];
    await trx('balances').where({ account_id: accountId, unit }).update({ balance: position.balance.toString(), last_seq: position.lastSeq.toString() });
  }
}


