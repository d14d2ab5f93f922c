import { microToCredits } from '../shared/amounts';
import type { Unit } from './compute/burn-order';
import type { GrantRow, LedgerEntryRow } from './ledger.rows';

/** Quantities of a unit as the API shows them: credits exactly from micro-credits, tokens as is. */
export function quantityOf(unit: Unit, value: bigint | string): number {
  return unit === 'credits' ? microToCredits(value) : Number(value);
}

/** A ledger entry in the seed-004 transaction shape, plus what explains it. */
export function transactionView(entry: LedgerEntryRow) {
  return {
    id: entry.id,
    type: entry.type,
    amount: quantityOf(entry.unit, entry.amount),
    balance_after: quantityOf(entry.unit, entry.balance_after),
    description: entry.description,
    created_at: new Date(entry.created_at).toISOString(),
    unit: entry.unit,
    seq: Number(entry.seq),
    overage: quantityOf(entry.unit, entry.overage),
    reference: entry.reference,
    effective_at: new Date(entry.effective_at).toISOString(),
  };
}

export function grantView(grant: GrantRow) {
  return {
    id: grant.id,
    kind: grant.kind,
    unit: grant.unit,
    amount: quantityOf(grant.unit, grant.amount),
    remaining: quantityOf(grant.unit, grant.remaining),
    priority: grant.priority,
    starts_at: new Date(grant.starts_at).toISOString(),
    expires_at: grant.expires_at ? new Date(grant.expires_at).toISOString() : null,
    source: grant.source,
  };
}
