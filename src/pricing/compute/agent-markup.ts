import { decimalToScaled, scaledToDecimal } from '../../shared/amounts';

/**
 * The agent markup (seed 002: "+ 20% markup" on an agent run's model and tool calls) is set per
 * plan and may be overridden for one account. Basis points inside; the API shows a fraction
 * (0.2 = 20%) like the plan's rollover_fraction and the publisher's revenue_share.
 */
export const MAX_AGENT_MARKUP_BPS = 100_000; // 1,000%: anything beyond is a typo, not a price

/** The account's own markup when set, else its plan's. */
export function effectiveMarkupBps(planBps: number, accountBps: number | null): bigint {
  return BigInt(accountBps ?? planBps);
}

/** 0.2 → 2000; throws RangeError past 4 decimals (finer than a basis point). */
export function markupFractionToBps(fraction: number): number {
  return Number(decimalToScaled(String(fraction), 4));
}

/** 2000 → 0.2 */
export function markupBpsToFraction(bps: number | bigint): number {
  return Number(scaledToDecimal(BigInt(bps), 4));
}
