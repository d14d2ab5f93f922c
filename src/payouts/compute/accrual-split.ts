/**
 * The publisher / platform split of one publisher-tool line (seed 000: 80/20), exact.
 *
 * Exact unit: 10^-17 minor units. A line of `credits` micro-credits (10^-6 credit) valued at
 * `priceMicroMinor` micro-minor units per credit (10^-6 minor) with a share in 10^-5 units gives
 * credits × price × share, an integer in 10^-6 · 10^-6 · 10^-5 = 10^-17 minor. Nothing is rounded
 * here: `publisher + platform == value` holds exactly for every line, and whole minor units are
 * taken only when a payout is computed (compute/payout-amount.ts).
 */
export const EXACT_PER_MINOR = 10n ** 17n;
export const SHARE_SCALE = 100_000n; // revenue_share decimal(6,5)

export interface AccrualSplit {
  /** credits × price: the money value of the credits spent, exact units */
  value: bigint;
  publisher: bigint;
  platform: bigint;
}

/** "0.8" / "0.80000" / 0.8 → 80000n. Throws outside 0..1 or with more than 5 decimals. */
export function shareUnits(share: string | number): bigint {
  const match = /^(\d+)(?:\.(\d{1,5})0*)?$/.exec(String(share).trim());
  if (!match) throw new RangeError(`revenue share must be a decimal between 0 and 1 with at most 5 decimals: ${share}`);
  const units = BigInt(match[1]!) * SHARE_SCALE + BigInt((match[2] ?? '').padEnd(5, '0') || '0');
  if (units > SHARE_SCALE) throw new RangeError(`revenue share must be between 0 and 1: ${share}`);
  return units;
}

/** 80000n → "0.8" */
export function shareDecimal(units: bigint): string {
  const whole = units / SHARE_SCALE;
  const fraction = (units % SHARE_SCALE).toString().padStart(5, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/** Value of `credits` micro-credits at `priceMicroMinor` per credit, in exact units. */
export function creditsValueExact(credits: bigint, priceMicroMinor: bigint): bigint {
  return credits * priceMicroMinor * SHARE_SCALE;
}

/** Splits one line; credits may be negative (a reversal), the parts keep its sign. */
export function splitAccrual(credits: bigint, priceMicroMinor: bigint, share: bigint): AccrualSplit {
  if (priceMicroMinor < 0n) throw new RangeError('credit price must be >= 0');
  if (share < 0n || share > SHARE_SCALE) throw new RangeError('share must be within 0..1');
  const value = creditsValueExact(credits, priceMicroMinor);
  const publisher = credits * priceMicroMinor * share;
  return { value, publisher, platform: value - publisher };
}

/** floor(exact / 10^17) toward −∞, and the remainder (always in [0, 10^17)). */
export function floorToMinor(exact: bigint): { minor: bigint; remainder: bigint } {
  let minor = exact / EXACT_PER_MINOR;
  if (exact < 0n && minor * EXACT_PER_MINOR !== exact) minor -= 1n;
  return { minor, remainder: exact - minor * EXACT_PER_MINOR };
}
