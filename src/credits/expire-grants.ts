import type { Db } from '../db/knex';
import type { Unit } from './compute/burn-order';
import { findExpiredGrantIds } from './ledger.queries';
import { reduceGrantWithEntry, type Posted } from './ledger.service';

/**
 * Expires what is left of an account's grants that stopped being spendable at or before `asOf`:
 * one `expiry` ledger entry per grant, keyed by grant, so running it twice expires once.
 */
export async function expireGrants(db: Db, accountId: string, asOf: Date, units: Unit[] = ['credits', 'tokens']): Promise<Posted[]> {
  const expired = await findExpiredGrantIds(db, accountId, asOf, units);
  const posted: Posted[] = [];
  for (const id of expired) {
    const result = await reduceGrantWithEntry(db, {
      grantId: id,
      amount: 'all',
      type: 'expiry',
      idempotencyKey: `expiry:${id}`,
      description: 'Unused credits expired',
      reference: id,
      effectiveAt: asOf,
    });
    if (result) posted.push(result);
  }
  return posted;
}
