import { MICRO, scaledToDecimal } from '../../shared/amounts';

/**
 * One credit unit price (CREDIT_UNIT_PRICE, in micro-minor units per credit) values credits
 * everywhere: packages, purchases by amount, the balance as money, publisher earnings, overage.
 * Units: micro-credits × micro-minor per credit = 10^-12 minor units, so every product below is
 * exact and nothing is rounded unless a function says so.
 */
const SCALE = MICRO * MICRO;

/** Money value of `credits` (micro-credits) in exact 10^-12 minor units. */
export function creditValueExact(credits: bigint, priceMicroMinor: bigint): bigint {
  return credits * priceMicroMinor;
}

/** The value as a decimal string in major units (e.g. "25", "1.12345678"), never rounded. */
export function creditValueMajor(credits: bigint, priceMicroMinor: bigint, minorDecimals = 2): string {
  return scaledToDecimal(creditValueExact(credits, priceMicroMinor), 12 + minorDecimals);
}

export type CreditsForAmount = { kind: 'ok'; credits: bigint } | { kind: 'not_exact' } | { kind: 'free_credits' };

/**
 * Seed 004's dollar-denominated packages: `amount` is the credit value, so the package grants
 * amount / unit price credits. An amount that does not divide into whole micro-credits is refused
 * rather than rounded, so the value shown and the credits granted always agree.
 */
export function creditsForAmount(amountMinor: bigint, priceMicroMinor: bigint): CreditsForAmount {
  if (priceMicroMinor <= 0n) return { kind: 'free_credits' };
  const exact = amountMinor * SCALE;
  if (exact % priceMicroMinor !== 0n) return { kind: 'not_exact' };
  return { kind: 'ok', credits: exact / priceMicroMinor };
}

export interface PackageTerms {
  /** credit value in major units (seed 004 `amount`) */
  amount: string;
  /** credits granted, micro-credits */
  credits: bigint;
  /** what the buyer pays, minor units */
  priceMinor: bigint;
  /** how much below the credit value the price is, percent with 2 decimals (half-up) */
  discountPercent: string;
}

/** A package as sold: its credits valued at the unit price against what is paid for them. */
export function packageTerms(credits: bigint, priceMinor: bigint, priceMicroMinor: bigint): PackageTerms {
  const value = creditValueExact(credits, priceMicroMinor); // 10^-12 minor
  const paid = priceMinor * SCALE;
  // (value − paid) / value × 100, in hundredths of a percent, half-up.
  const hundredths = value > 0n && paid < value ? ((value - paid) * 10_000n * 2n + value) / (value * 2n) : 0n;
  return { amount: creditValueMajor(credits, priceMicroMinor), credits, priceMinor, discountPercent: scaledToDecimal(hundredths, 2) };
}
