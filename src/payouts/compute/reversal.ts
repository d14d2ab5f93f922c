import { divideRoundHalfUp } from '../../shared/amounts';

/**
 * How many of an accrual's credits a refund reverses (negative carry-forward, see README).
 *
 * A usage event of `charged` micro-credits burned `burned` of them from the refunded purchase's
 * grant, so that grant funded burned/charged of each of its lines. Refunding the fraction
 * `num/den` of the purchase reverses that fraction of what it funded:
 *   credits × burned/charged × num/den, rounded half-up to the micro-credit (the one rounding;
 *   ≤ 0.5 micro-credit per line), never more than what that grant funded minus what earlier
 *   refunds of the same grant reversed, and never more than the line has left unreversed.
 */
export interface Fraction {
  num: bigint;
  den: bigint;
}

export function reversalCredits(input: {
  lineCredits: bigint;
  burned: bigint;
  charged: bigint;
  fraction: Fraction;
  /** reversed so far by refunds of this grant */
  reversedForGrant: bigint;
  /** reversed so far by any refund */
  reversedTotal: bigint;
}): bigint {
  const { lineCredits, burned, charged, fraction, reversedForGrant, reversedTotal } = input;
  if (lineCredits <= 0n || charged <= 0n || burned <= 0n || fraction.num <= 0n) return 0n;
  if (fraction.den <= 0n || fraction.num > fraction.den) throw new RangeError('refund fraction must be within (0, 1]');
  const funded = burned > charged ? charged : burned;
  const wanted = divideRoundHalfUp(lineCredits * funded * fraction.num, charged * fraction.den);
  const fundedLeft = divideRoundHalfUp(lineCredits * funded, charged) - reversedForGrant;
  const lineLeft = lineCredits - reversedTotal;
  const cap = fundedLeft < lineLeft ? fundedLeft : lineLeft;
  if (cap <= 0n) return 0n;
  return wanted > cap ? cap : wanted;
}
