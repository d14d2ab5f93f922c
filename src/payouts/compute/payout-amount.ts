import { floorToMinor } from './accrual-split';

/**
 * What a payout run does with a publisher's pending earnings (seed 000: monthly, $25 minimum).
 *
 * `pendingExact` is Σ of the publisher's unsettled accruals in exact units (10^-17 minor). Only
 * whole minor units are transferred: floor(pending), the sub-minor remainder is carried to the
 * next period. Below the minimum (including zero and negative pending after refund reversals)
 * nothing is sent and everything stays pending (carried forward).
 */
export type PayoutDecision =
  | { kind: 'transfer'; amount: bigint; remainderExact: bigint }
  | { kind: 'carry_forward'; amount: bigint };

export function decidePayout(pendingExact: bigint, minimumMinor: bigint): PayoutDecision {
  const { minor, remainder } = floorToMinor(pendingExact);
  // A zero minimum still never sends an empty transfer.
  if (minor <= 0n || minor < minimumMinor) return { kind: 'carry_forward', amount: minor };
  return { kind: 'transfer', amount: minor, remainderExact: remainder };
}
