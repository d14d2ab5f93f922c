import type Stripe from 'stripe';

/**
 * Pure rules of the Stripe Billing catalog: which plans get Stripe prices, what each price
 * charges (its terms, a text signature compared with what Stripe holds), and the names Settle
 * gives those objects so any worker finds them again.
 */

export type PriceKind = 'fee' | 'overage' | 'token_overage';
type MeteredKind = Exclude<PriceKind, 'fee'>;

export interface CatalogPlan {
  id: string;
  monthlyPriceMinor: bigint;
  currency: string;
  overageAllowed: boolean;
  /** Minor units per WHOLE credit. */
  overagePriceMinorPerCredit: bigint;
  /** Minor units per 1,000,000 tokens (0 when absent). */
  overagePriceMinorPerMillionTokens?: bigint;
}

export interface WantedPrice {
  kind: PriceKind;
  lookupKey: string;
  terms: string;
  currency: string;
  /** fee: whole minor units per month. */
  unitAmount?: number;
  /** overage: minor units per micro-credit; token_overage: per token; exact decimal. */
  unitAmountDecimal?: string;
}

const MICRO_PER_CREDIT_DIGITS = 6;
const DECIMAL = /^(\d+)(?:\.(\d*))?$/;

/**
 * A plan is billed through Stripe when it charges anything: a monthly fee, or overage at a price.
 * `free` never is: it is the plan accounts fall back to.
 */
export function isPaidPlan(plan: CatalogPlan): boolean {
  if (plan.id === 'free') return false;
  const overagePriced = plan.overagePriceMinorPerCredit > 0n || (plan.overagePriceMinorPerMillionTokens ?? 0n) > 0n;
  return plan.monthlyPriceMinor > 0n || (plan.overageAllowed && overagePriced);
}

/** Deterministic, so every worker retrieves the same product instead of creating another. */
export const productIdFor = (planId: string): string => `settle_plan_${planId}`;

export const lookupKeyFor = (planId: string, kind: PriceKind): string => `settle:${planId}:${kind}`;

/**
 * Overage is metered in micro-credits (the meter event's `value`), priced per whole credit: the
 * unit amount is that price / 1,000,000, written exactly (1 → "0.000001", 1500000 → "1.5").
 */
export function overageUnitAmountDecimal(minorPerCredit: bigint): string {
  // The same shift serves tokens: a price per million tokens is a price per token × 10^6.
  if (minorPerCredit < 0n) throw new RangeError(`overage price ${minorPerCredit} is negative`);
  const digits = minorPerCredit.toString().padStart(MICRO_PER_CREDIT_DIGITS + 1, '0');
  const whole = digits.slice(0, -MICRO_PER_CREDIT_DIGITS);
  return normalizeDecimal(`${whole}.${digits.slice(-MICRO_PER_CREDIT_DIGITS)}`);
}

/** "0.000001000000" → "0.000001", "4900" → "4900", "1.50" → "1.5", "007" → "7": one spelling per value. */
export function normalizeDecimal(value: string): string {
  const match = DECIMAL.exec(value);
  if (!match) throw new RangeError(`${value} is not a non-negative decimal`);
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/** What a price charges, as text: equal terms = the same price; any edit to a plan changes them. */
export function feeTerms(currency: string, unitAmountMinor: bigint | number): string {
  return `fee:${currency.toLowerCase()}:${unitAmountMinor}/month`;
}

export function overageTerms(currency: string, unitAmountDecimal: string, meterId: string, kind: MeteredKind = 'overage'): string {
  return `${kind}:${currency.toLowerCase()}:${normalizeDecimal(unitAmountDecimal)}/month@${meterId}`;
}

/**
 * The three prices a paid plan needs: the fee, credit overage on the credits meter and token
 * overage on the token meter. A plan without overage still gets its metered prices (at 0), so
 * every subscription has the same shape and overage can be enabled without new subscription items.
 */
export function wantedPlanPrices(plan: CatalogPlan, meterId: string, tokenMeterId: string): { fee: WantedPrice; overage: WantedPrice; tokenOverage: WantedPrice } {
  const currency = plan.currency.toLowerCase();
  if (plan.monthlyPriceMinor > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`plan ${plan.id} fee is too large for Stripe`);
  const unitAmountDecimal = overageUnitAmountDecimal(plan.overageAllowed ? plan.overagePriceMinorPerCredit : 0n);
  const tokenUnitAmountDecimal = overageUnitAmountDecimal(plan.overageAllowed ? (plan.overagePriceMinorPerMillionTokens ?? 0n) : 0n);
  return {
    fee: {
      kind: 'fee', lookupKey: lookupKeyFor(plan.id, 'fee'), currency,
      unitAmount: Number(plan.monthlyPriceMinor), terms: feeTerms(currency, plan.monthlyPriceMinor),
    },
    overage: {
      kind: 'overage', lookupKey: lookupKeyFor(plan.id, 'overage'), currency,
      unitAmountDecimal, terms: overageTerms(currency, unitAmountDecimal, meterId),
    },
    tokenOverage: {
      kind: 'token_overage', lookupKey: lookupKeyFor(plan.id, 'token_overage'), currency,
      unitAmountDecimal: tokenUnitAmountDecimal, terms: overageTerms(currency, tokenUnitAmountDecimal, tokenMeterId, 'token_overage'),
    },
  };
}

/**
 * The terms of a price Stripe holds, in the same spelling, or null for a price Settle would never
 * create (tiered, transformed quantity, another interval, one-off): such a price is never reused.
 * A metered price is read as the kind it is wanted for (its meter tells credits from tokens).
 */
export function termsOfStripePrice(price: Stripe.Price, meteredKind: MeteredKind = 'overage'): string | null {
  const recurring = price.recurring;
  if (price.type !== 'recurring' || !recurring || recurring.interval !== 'month' || recurring.interval_count !== 1) return null;
  if (price.billing_scheme !== 'per_unit' || price.transform_quantity) return null;
  if (recurring.usage_type === 'licensed') {
    return price.unit_amount === null ? null : feeTerms(price.currency, price.unit_amount);
  }
  if (!recurring.meter || price.unit_amount_decimal === null || !DECIMAL.test(price.unit_amount_decimal)) return null;
  return overageTerms(price.currency, price.unit_amount_decimal, recurring.meter, meteredKind);
}

/** A price found by lookup key is reused only when it is exactly the one Settle wants. */
export function priceMatches(price: Stripe.Price, wanted: WantedPrice, productId: string): boolean {
  const product = typeof price.product === 'string' ? price.product : price.product.id;
  return price.active && price.lookup_key === wanted.lookupKey && product === productId && termsOfStripePrice(price, wanted.kind === 'fee' ? undefined : wanted.kind) === wanted.terms;
}
