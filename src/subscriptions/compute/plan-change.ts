import type { Period } from '../../periods/compute/calendar-month';

/**
 * The rules of moving between plans, pure and table-tested.
 *
 * - Direction: a plan with a higher monthly fee is an upgrade (applies now, with a prorated
 *   grant); a lower or equal fee with other terms is a downgrade (applies at period end).
 * - Prorated included credits: the new plan's included credits × the share of the period still
 *   ahead, rounded down to 0.01 credit (10,000 micro-credits); tokens rounded down to a token.
 */
export type PlanDirection = 'same' | 'upgrade' | 'downgrade';

export function planDirection(from: { id: string; monthlyPriceMinor: bigint }, to: { id: string; monthlyPriceMinor: bigint }): PlanDirection {
  if (from.id === to.id) return 'same';
  return to.monthlyPriceMinor > from.monthlyPriceMinor ? 'upgrade' : 'downgrade';
}

const HUNDREDTH_CREDIT = 10_000n;

/**
 * `included` × the share of `period` after `now`, rounded down to a multiple of `step`
 * (credits: 0.01 credit; tokens: 1 token). Before the period: all of it; after: nothing.
 */
export function proratedIncluded(included: bigint, period: Period, now: Date, step: bigint = HUNDREDTH_CREDIT): bigint {
  const length = period.end.getTime() - period.start.getTime();
  if (length <= 0 || included <= 0n) return 0n;
  const ahead = BigInt(Math.min(Math.max(period.end.getTime() - now.getTime(), 0), length));
  const exact = (included * ahead) / BigInt(length);
  return (exact / step) * step;
}

/** The ledger key of the n-th plan change's grant: one grant per change, however often it is replayed. */
export const planChangeKey = (accountId: string, period: string, n: number): string => `plan-change:${accountId}:${period}:${n}`;

/**
 * Whether a Stripe state stamped `at` (epoch seconds) may replace the state stamped `appliedAt`.
 * Equal stamps are applied (Stripe stamps in whole seconds; the same state twice is harmless),
 * older ones never roll state back.
 */
export function isNewerStripeState(at: number, appliedAt: number | null): boolean {
  return appliedAt === null || at >= appliedAt;
}

/** Grace of dunning in milliseconds, from days that may be fractional. */
export const dunningGraceMs = (days: number): number => Math.round(days * 86_400_000);
