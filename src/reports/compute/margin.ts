import { divideRoundHalfUp } from '../../shared/amounts';

/**
 * Margin control (seed 003: "set per-model costs … so operators can review margin exposure"):
 * what usage earned at the credit unit price against what its providers charged. Pure.
 *
 * - revenue = credits × the credit unit price. Credits are micro-credits and the unit price is in
 *   micro-minor units per credit, so revenue in micro-minor = micro-credits × price / 10^6, and
 *   in micro-units of the currency (the scale provider costs are stored in, micro-USD) / 100
 *   more: one division by 10^8, rounded half-up once per row.
 * - margin = revenue − provider cost; margin % = margin / revenue × 100 to 2 decimals, half away
 *   from zero; null when there is no revenue (a free model has no percentage, only a loss).
 */
const MICRO_MINOR_PER_MICRO_MAJOR_TIMES_MICRO = 100n * 1_000_000n;

export interface MarginInput {
  credits: bigint; // micro-credits charged
  providerCost: bigint; // micro-units of the currency
}

export interface Margin {
  revenue: bigint; // micro-units of the currency
  providerCost: bigint;
  margin: bigint;
  marginPercentHundredths: bigint | null; // 2512n = 25.12%
}

export function computeMargin(input: MarginInput, creditPriceMicroMinor: bigint): Margin {
  const revenue = divideRoundHalfUp(input.credits * creditPriceMicroMinor, MICRO_MINOR_PER_MICRO_MAJOR_TIMES_MICRO);
  const margin = revenue - input.providerCost;
  if (revenue === 0n) return { revenue, providerCost: input.providerCost, margin, marginPercentHundredths: null };
  const magnitude = divideRoundHalfUp((margin < 0n ? -margin : margin) * 10_000n, revenue);
  return { revenue, providerCost: input.providerCost, margin, marginPercentHundredths: margin < 0n ? -magnitude : magnitude };
}
