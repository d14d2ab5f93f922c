/**
 * Which grants a debit spends (ARCHITECTURE.md invariants 4 and 5): the test oracle. Production
 * debits never run this code: for speed the rule runs only inside the `settle_debit_batch` SQL
 * function (its ORDER BY over grants, migrations/sql). The tests hold the two equal:
 * test/unit/burn-order-sql.test.ts on a table of ties, the property tests (test/property) on random
 * ledgers. No TypeScript writer spends grants by this order: the close and refunds take from
 * named grants.
 *
 * Spendable at `at`: remaining > 0, started, not expired. Order: priority (0 first), then the
 * soonest expiry (never-expiring last), then the oldest, then id for a total order.
 */
export interface GrantLot {
  id: string;
  priority: number;
  remaining: bigint;
  startsAt: Date;
  expiresAt: Date | null;
  createdAt: Date;
}

export type DebitPlan =
  | { kind: 'ok'; burns: Array<{ grantId: string; amount: bigint }>; covered: bigint; overage: bigint; available: bigint }
  | { kind: 'insufficient'; available: bigint };

export function isSpendable(grant: GrantLot, at: Date): boolean {
  return grant.remaining > 0n && grant.startsAt <= at && (grant.expiresAt === null || grant.expiresAt > at);
}

export function compareBurnOrder(a: GrantLot, b: GrantLot): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const aExpiry = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const bExpiry = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  if (aExpiry !== bExpiry) return aExpiry < bExpiry ? -1 : 1;
  if (a.createdAt.getTime() !== b.createdAt.getTime()) return a.createdAt.getTime() - b.createdAt.getTime();
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function planDebit(grants: GrantLot[], amount: bigint, at: Date, allowOverage: boolean): DebitPlan {
  const spendable = grants.filter((grant) => isSpendable(grant, at)).sort(compareBurnOrder);
  const available = spendable.reduce((sum, grant) => sum + grant.remaining, 0n);
  if (available < amount && !allowOverage) return { kind: 'insufficient', available };
  const covered = amount < available ? amount : available;
  const burns: Array<{ grantId: string; amount: bigint }> = [];
  let need = covered;
  for (const grant of spendable) {
    if (need === 0n) break;
    const take = grant.remaining < need ? grant.remaining : need;
    burns.push({ grantId: grant.id, amount: take });
    need -= take;
  }
  return { kind: 'ok', burns, covered, overage: amount - covered, available };
}

/** Default priorities per grant kind: free money first, paid credits last. */
export const DEFAULT_PRIORITY: Record<GrantKind, number> = {
  promotional: 10,
  voucher: 10,
  included: 20,
  admin: 40,
  purchased: 50,
};

export type GrantKind = 'included' | 'purchased' | 'promotional' | 'voucher' | 'admin';
export type Unit = 'credits' | 'tokens';
