import { MICRO } from '../../shared/amounts';

/** Seed 002: top-ups start at 10 credits. The ceiling only stops absurd requests. */
export const MIN_PURCHASE_MICRO = 10n * MICRO;
export const MAX_PURCHASE_MICRO = 10_000_000n * MICRO;

/** micro-credits × micro-minor per credit = 10^12 × minor units */
const SCALE = MICRO * MICRO;

export type PurchasePrice =
  | { kind: 'ok'; amountMinor: bigint }
  | { kind: 'below_minimum' }
  | { kind: 'above_maximum' }
  | { kind: 'not_whole_minor_units'; exactMicroMinor: bigint }
  | { kind: 'free' };

/**
 * The price of `credits` (micro-credits) at `priceMicroMinor` per credit, in whole minor units.
 * A price with a fraction of a cent is refused rather than rounded: the customer is charged
 * exactly credits × unit price, and the caller names the nearest amounts that price exactly.
 */
export function pricePurchase(credits: bigint, priceMicroMinor: bigint): PurchasePrice {
  if (credits < MIN_PURCHASE_MICRO) return { kind: 'below_minimum' };
  if (credits > MAX_PURCHASE_MICRO) return { kind: 'above_maximum' };
  const scaled = credits * priceMicroMinor;
  if (scaled === 0n) return { kind: 'free' };
  if (scaled % SCALE !== 0n) return { kind: 'not_whole_minor_units', exactMicroMinor: scaled / MICRO };
  return { kind: 'ok', amountMinor: scaled / SCALE };
}

/** The credit step that always prices to whole minor units: 10^12 / gcd(10^12, price). */
export function wholePriceStepMicro(priceMicroMinor: bigint): bigint {
  if (priceMicroMinor <= 0n) return MICRO;
  let a = SCALE;
  let b = priceMicroMinor;
  while (b !== 0n) [a, b] = [b, a % b];
  return SCALE / a;
}
