import type { Db } from '../db/knex';
import type { Period } from '../periods/compute/calendar-month';
import { periodKey } from '../periods/compute/calendar-month';
import type { PlanRow } from '../catalog/catalog.queries';
import { postCredit, type Posted } from './ledger.service';
import { includedAllowance } from './compute/included-allowance';

/**
 * The plan's included credits and tokens for one period, as two `included` grants valid for
 * exactly that period. Keyed by period, so granting twice (a retried close) grants once.
 */
export async function grantPeriodAllowance(db: Db, accountId: string, plan: PlanRow, period: Period): Promise<Posted[]> {
  const key = periodKey(period);
  const posted: Posted[] = [];
  const allowances = [
    { unit: 'credits' as const, amount: BigInt(plan.included_credits_micro) },
    { unit: 'tokens' as const, amount: BigInt(plan.included_tokens) },
  ];
  for (const { unit, amount } of allowances) {
    if (amount === 0n) continue;
    posted.push(
      await postCredit(db, {
        accountId,
        unit,
        kind: 'included',
        amount,
        type: 'grant',
        ...includedAllowance(plan.name, unit, key),
        startsAt: period.start,
        expiresAt: period.end,
        effectiveAt: period.start,
      }),
    );
  }
  return posted;
}
