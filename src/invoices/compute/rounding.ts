/**
 * THE rounding of invoices: integer division rounded half-up, i.e. half away from zero
 * (2.5 → 3, −2.5 → −3). It is applied once per invoice tax line, to the tax amount; every other
 * amount is an exact integer sum.
 */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const quotient = magnitude / denominator;
  const rounded = (magnitude % denominator) * 2n >= denominator ? quotient + 1n : quotient;
  return negative ? -rounded : rounded;
}
