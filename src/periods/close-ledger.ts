import type { Knex } from 'knex';
import { DEFAULT_PRIORITY } from '../credits/compute/burn-order';
import { findOpenGrants } from '../credits/ledger.queries';
import { applyPlannedChanges } from '../credits/ledger.service';
import type { ClosePlan, OpenGrant } from './compute/plan-close-ledger';

/** Loads what the close plan needs; the caller holds the account's balance-row locks. */
export async function openGrants(trx: Knex.Transaction, accountId: string): Promise<OpenGrant[]> {
  const rows = await findOpenGrants(trx, accountId);
  return rows.map((row) => ({ id: row.id, unit: row.unit, kind: row.kind, source: row.source, remaining: BigInt(row.remaining), expiresAt: row.expires_at }));
}

/** Writes a close plan through the ledger module: the next period's grants are `included` ones. */
export async function applyClosePlan(trx: Knex.Transaction, accountId: string, plan: ClosePlan): Promise<void> {
  await applyPlannedChanges(trx, accountId, {
    grants: plan.grants.map((grant) => ({ ...grant, accountId, kind: 'included', priority: DEFAULT_PRIORITY.included })),
    reductions: plan.reductions,
    entries: plan.entries.map((entry) => ({ ...entry, accountId, requestHash: null })),
    positions: plan.positions,
  });
}
