import type { Unit } from '../../credits/compute/burn-order';
import type { Period } from './calendar-month';
import { splitRollover } from './close-rules';
import { includedAllowance } from '../../credits/compute/included-allowance';

/**
 * What closing a period writes to an account's ledger, computed in memory (pure) so the close
 * applies it in one short transaction:
 *   1. the plan's rollover fraction of each unused included-credit grant of the period moves
 *      into a new included grant for the next period (an entry out, an entry in);
 *   2. whatever remains of every grant that ended with the period expires;
 *   3. the next period's included credits and tokens are granted.
 * Entries carry their sequence numbers and running balances; keys are business keys.
 */
export interface OpenGrant {
  id: string;
  unit: Unit;
  kind: string;
  source: string | null;
  remaining: bigint;
  expiresAt: Date | null;
}

export interface LedgerPosition {
  balance: bigint;
  lastSeq: bigint;
}

export interface PlannedGrant {
  id: string;
  unit: Unit;
  amount: bigint;
  startsAt: Date;
  expiresAt: Date;
  source: string;
  description: string;
}

export interface PlannedEntry {
  id: string;
  unit: Unit;
  seq: bigint;
  type: 'rollover' | 'expiry' | 'grant';
  amount: bigint;
  balanceAfter: bigint;
  idempotencyKey: string;
  description: string;
  reference: string;
  grantId: string;
  effectiveAt: Date;
}

export interface ClosePlan {
  reductions: Array<{ grantId: string; amount: bigint }>;
  grants: PlannedGrant[];
  entries: PlannedEntry[];
  positions: Record<Unit, LedgerPosition>;
  rolledOver: bigint;
  expired: Record<Unit, bigint>;
}

export function planCloseLedger(input: {
  grants: OpenGrant[];
  positions: Record<Unit, LedgerPosition>;
  plan: { name: string; rolloverFraction: string; includedCredits: bigint; includedTokens: bigint };
  period: Period & { key: string };
  next: Period & { key: string };
  newId: (prefix: 'grt' | 'txn') => string;
}): ClosePlan {
  const { period, next, plan } = input;
  const positions = { credits: { ...input.positions.credits }, tokens: { ...input.positions.tokens } };
  const remaining = new Map(input.grants.map((grant) => [grant.id, grant.remaining]));
  const plan_: ClosePlan = { reductions: [], grants: [], entries: [], positions, rolledOver: 0n, expired: { credits: 0n, tokens: 0n } };

  const post = (entry: Omit<PlannedEntry, 'id' | 'seq' | 'balanceAfter' | 'effectiveAt'>) => {
    const position = positions[entry.unit];
    position.balance += entry.amount;
    position.lastSeq += 1n;
    plan_.entries.push({ ...entry, id: input.newId('txn'), seq: position.lastSeq, balanceAfter: position.balance, effectiveAt: period.end });
  };
  const take = (grant: OpenGrant, amount: bigint) => {
    remaining.set(grant.id, remaining.get(grant.id)! - amount);
    plan_.reductions.push({ grantId: grant.id, amount });
  };
  const grant = (unit: Unit, amount: bigint, source: string, description: string) => {
    const planned: PlannedGrant = { id: input.newId('grt'), unit, amount, startsAt: next.start, expiresAt: next.end, source, description };
    plan_.grants.push(planned);
    return planned;
  };

  for (const lot of input.grants) {
    if (lot.unit !== 'credits' || lot.kind !== 'included' || lot.source !== `period:${period.key}`) continue;
    const { rollover } = splitRollover(lot.remaining, plan.rolloverFraction);
    if (rollover === 0n) continue;
    take(lot, rollover);
    post({ unit: 'credits', type: 'rollover', amount: -rollover, idempotencyKey: `rollover-out:${lot.id}`, description: `Unused included credits carried into ${next.key}`, reference: lot.id, grantId: lot.id });
    const carried = grant('credits', rollover, `rollover:${period.key}`, `Included credits carried over from ${period.key}`);
    post({ unit: 'credits', type: 'rollover', amount: rollover, idempotencyKey: `rollover-in:${lot.id}`, description: carried.description, reference: lot.id, grantId: carried.id });
    plan_.rolledOver += rollover;
  }

  for (const lot of input.grants) {
    const left = remaining.get(lot.id)!;
    if (left === 0n || lot.expiresAt === null || lot.expiresAt > period.end) continue;
    take(lot, left);
    post({ unit: lot.unit, type: 'expiry', amount: -left, idempotencyKey: `expiry:${lot.id}`, description: 'Unused credits expired', reference: lot.id, grantId: lot.id });
    plan_.expired[lot.unit] += left;
  }

  for (const [unit, amount] of [['credits', plan.includedCredits], ['tokens', plan.includedTokens]] as const) {
    if (amount === 0n) continue;
    const booking = includedAllowance(plan.name, unit, next.key);
    const allowance = grant(unit, amount, booking.source, booking.description);
    post({ unit, type: 'grant', amount, idempotencyKey: booking.idempotencyKey, description: booking.description, reference: booking.source, grantId: allowance.id });
  }
  return plan_;
}
