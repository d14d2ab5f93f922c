/**
 * What a capture charges for `actual` micro-credits of usage (the rule, documented in
 * the README): all of it when the plan allows overage (the part beyond the grants becomes
 * overage, as with any debit) or when what is available covers it; otherwise what is available
 * (the captured hold included, so at least the hold while its grants last), and the rest is
 * reported as uncaptured, never charged. `available` = spendable grants − the account's other
 * active holds, and may be negative when grants expired under holds.
 * `settle_capture_batch` (migrations/sql/settle-capture.ts) applies this rule in the database,
 * under the balance row lock; test/property/holds.test.ts holds its answers to it.
 */
export function captureAmount(input: { actual: bigint; available: bigint; overageAllowed: boolean }): { charge: bigint; uncaptured: bigint } {
  if (input.actual < 0n) throw new RangeError('usage cannot be negative');
  if (input.overageAllowed || input.actual <= input.available) return { charge: input.actual, uncaptured: 0n };
  const charge = input.available > 0n ? input.available : 0n;
  return { charge, uncaptured: input.actual - charge };
}
