/**
 * Whether one debit crossed the auto-recharge threshold: the balance was at or above it before
 * the debit and is below it after. Only the debit that crosses counts, so fifty concurrent
 * debits that together cross it once start one recharge, and debits while the balance stays
 * under the threshold (after a declined charge, say) start none.
 *
 * `charged` is what the debit took from grants (the overage part never touched the balance).
 */
export function crossedThreshold(input: { balanceAfter: bigint; charged: bigint; threshold: bigint }): boolean {
  const before = input.balanceAfter + input.charged;
  return before >= input.threshold && input.balanceAfter < input.threshold;
}
