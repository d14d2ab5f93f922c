import type { Unit } from '../../credits/compute/burn-order';
import { decimalToScaled, divideRoundHalfUp } from '../../shared/amounts';

/**
 * The month-end close's arithmetic, pure and table-tested.
 *
 * - Rollover: a plan's rollover fraction (5 decimals) of the unused included credits carries
 *   into the next period, rounded down to the micro-credit; the rest expires.
 * - Overage to report: what the period's overage exceeds the sum already reported (never < 0).
 * - Overage charge: overage micro-credits × price per credit, rounded half-up to a minor unit;
 *   token overage: tokens × price per million tokens, rounded the same way.
 */
const FRACTION_SCALE = 100_000n;

export function splitRollover(unused: bigint, rolloverFraction: string): { rollover: bigint; expire: bigint } {
  const fraction = decimalToScaled(rolloverFraction, 5);
  if (fraction < 0n || fraction > FRACTION_SCALE) throw new RangeError(`rollover fraction out of range: ${rolloverFraction}`);
  const rollover = (unused * fraction) / FRACTION_SCALE;
  return { rollover, expire: unused - rollover };
}

export function overageToReport(periodOverage: bigint, alreadyReported: bigint): bigint {
  return periodOverage > alreadyReported ? periodOverage - alreadyReported : 0n;
}

export function overageChargeMinor(overageMicro: bigint, priceMinorPerCredit: bigint): bigint {
  return divideRoundHalfUp(overageMicro * priceMinorPerCredit, 1_000_000n);
}

export function tokenOverageChargeMinor(overageTokens: bigint, priceMinorPerMillionTokens: bigint): bigint {
  return divideRoundHalfUp(overageTokens * priceMinorPerMillionTokens, 1_000_000n);
}

export interface PeriodInvoiceLine {
  description: string;
  quantity: number;
  unitAmountMinor: bigint;
  amountMinor: bigint;
}

/**
 * The period invoice: the plan fee, the credit overage and the token overage, each when there is
 * any; none when all are 0. Token overage is priced per million tokens (0 when the plan has none).
 */
export function periodInvoiceLines(
  plan: { name: string; monthlyPriceMinor: bigint; overagePriceMinorPerCredit: bigint; overagePriceMinorPerMillionTokens?: bigint },
  period: string,
  overageMicro: bigint,
  overageTokens = 0n,
): PeriodInvoiceLine[] {
  const lines: PeriodInvoiceLine[] = [];
  if (plan.monthlyPriceMinor > 0n) {
    lines.push({ description: `${plan.name} plan, ${period}`, quantity: 1, unitAmountMinor: plan.monthlyPriceMinor, amountMinor: plan.monthlyPriceMinor });
  }
  const overage = overageChargeMinor(overageMicro, plan.overagePriceMinorPerCredit);
  if (overage > 0n) {
    const credits = Number(overageMicro) / 1_000_000;
    lines.push({ description: `Overage, ${period}: ${credits} credits`, quantity: 1, unitAmountMinor: overage, amountMinor: overage });
  }
  const tokenOverage = tokenOverageChargeMinor(overageTokens, plan.overagePriceMinorPerMillionTokens ?? 0n);
  if (tokenOverage > 0n) {
    lines.push({ description: `Token overage, ${period}: ${overageTokens} tokens`, quantity: 1, unitAmountMinor: tokenOverage, amountMinor: tokenOverage });
  }
  return lines;
}

/** Hourly report window key, e.g. 2026112513 for 13:00–14:00 UTC on 2026-11-25. */
export function hourWindow(instant: Date): string {
  return instant.toISOString().slice(0, 13).replace(/[-T]/g, '');
}

/**
 * The Stripe meter event identifier of one report: credits keep `overage:…` (reports already
 * sent under it), tokens report under `token-overage:…`, so the two never collide.
 */
export function overageIdentifier(accountId: string, period: string, window: string, unit: Unit = 'credits'): string {
  return `${unit === 'tokens' ? 'token-overage' : 'overage'}:${accountId}:${period}:${window}`;
}
