import type { PricedUsage } from './price-usage';

/**
 * The largest values one request may carry. Chosen so that nothing a client can send overflows a
 * bigint column (2^63 − 1 ≈ 9.22 × 10^18), neither in one row nor summed over a period:
 *
 * - One debit or usage event charges at most 10^6 credits = 10^12 micro-credits ($10,000 at the
 *   default $0.01 credit). A period's used and overage credits are sums of such charges: a million
 *   maximal events in one month (10^18 micro-credits, $10 billion) still fit nine times over.
 * - Prices are at most 10^6 credits per execution or per 1M tokens, token counts at most 10^12
 *   per field, quantities at most 10^6, 100 items per event; an event whose total goes past the
 *   charge ceiling is refused (400 naming the item) rather than charged.
 * - Credit amounts moved by finance ops (deposits, grants, vouchers, packages, included credits)
 *   are at most 10^9 credits per request (10^15 micro-credits): a balance needs over 9,000 such
 *   grants to approach the limit.
 * - Money is at most 10^10 major units per amount (10^12 minor units); an overage price at most
 *   1,000 per credit, so a period's overage invoice line stays inside bigint too.
 * - A usage event's provider cost is at most $10^6 (10^12 micro-USD), like its charge.
 */
export const MICRO_PER_CREDIT = 1_000_000n;
export const MAX_CHARGE_CREDITS = 1_000_000;
export const MAX_CHARGE_MICRO = BigInt(MAX_CHARGE_CREDITS) * MICRO_PER_CREDIT;
export const MAX_PRICE_CREDITS = 1_000_000;
export const MAX_GRANT_CREDITS = 1_000_000_000;
export const MAX_TOKENS = 1_000_000_000_000;
export const MAX_QUANTITY = 1_000_000;
export const MAX_ITEMS = 100;
export const MAX_MONEY_MAJOR = 10_000_000_000;
export const MAX_OVERAGE_PRICE_MAJOR = 1_000;
export const MAX_PROVIDER_COST_PER_1M_USD = 1_000_000;
export const MAX_EVENT_PROVIDER_COST_MICRO_USD = 1_000_000n * 1_000_000n;

export interface BoundViolation {
  field: string;
  message: string;
}

/** Why a priced usage event may not be charged, naming the item that breaks a ceiling; null when it may. */
export function usageBoundViolation(priced: PricedUsage): BoundViolation | null {
  const lineIndex = priced.lines.findIndex((line) => line.credits > MAX_CHARGE_MICRO);
  if (lineIndex >= 0) {
    return { field: `items.${lineIndex}`, message: `this item alone costs more than ${MAX_CHARGE_CREDITS.toLocaleString('en-US')} credits, the most one usage event may charge` };
  }
  if (priced.charged > MAX_CHARGE_MICRO) {
    return { field: 'items', message: `these items cost more than ${MAX_CHARGE_CREDITS.toLocaleString('en-US')} credits, the most one usage event may charge; split them` };
  }
  if (priced.providerCost > MAX_EVENT_PROVIDER_COST_MICRO_USD) {
    const costly = priced.lines.findIndex((line) => line.providerCost > MAX_EVENT_PROVIDER_COST_MICRO_USD);
    return { field: costly >= 0 ? `items.${costly}` : 'items', message: 'the provider cost of this usage is more than $1,000,000 for one event; split it' };
  }
  return null;
}
