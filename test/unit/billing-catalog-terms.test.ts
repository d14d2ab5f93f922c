import type Stripe from 'stripe';
import {
  feeTerms, isPaidPlan, normalizeDecimal, overageTerms, overageUnitAmountDecimal, priceMatches, termsOfStripePrice, wantedPlanPrices,
  type CatalogPlan,
} from '../../src/subscriptions/billing-catalog-terms';
import { stripeTaxRateKey } from '../../src/subscriptions/stripe-tax-rates';

describe('overage unit amount: minor units per credit → per micro-credit, exact', () => {
  it.each([
    [0n, '0'],
    [1n, '0.000001'],
    [7n, '0.000007'],
    [10n, '0.00001'],
    [250n, '0.00025'],
    [999_999n, '0.999999'],
    [1_000_000n, '1'],
    [1_500_000n, '1.5'],
    [12_345_678n, '12.345678'],
    [9_007_199_254_740_993n, '9007199254.740993'],
  ])('%p minor per credit → "%s" per micro-credit', (minorPerCredit, decimal) => {
    expect(overageUnitAmountDecimal(minorPerCredit)).toBe(decimal);
  });

  it('refuses a negative price', () => {
    expect(() => overageUnitAmountDecimal(-1n)).toThrow(RangeError);
  });
});

describe('decimals have one spelling', () => {
  it.each([
    ['0.000001', '0.000001'],
    ['0.000001000000', '0.000001'],
    ['4900', '4900'],
    ['4900.00', '4900'],
    ['1.50', '1.5'],
    ['007', '7'],
    ['0', '0'],
    ['0.0', '0'],
  ])('%s → %s', (input, output) => {
    expect(normalizeDecimal(input)).toBe(output);
  });

  it.each(['1e-6', '-1', '', 'abc'])('refuses %p', (input) => {
    expect(() => normalizeDecimal(input)).toThrow(RangeError);
  });
});

const plan = (overrides: Partial<CatalogPlan> = {}): CatalogPlan => ({
  id: 'pro', monthlyPriceMinor: 4900n, currency: 'usd', overageAllowed: true, overagePriceMinorPerCredit: 1n, ...overrides,
});

describe('terms signature: what a price charges', () => {
  it.each([
    ['pro', plan(), 'fee:usd:4900/month', 'overage:usd:0.000001/month@mtr_1'],
    ['fee edited', plan({ monthlyPriceMinor: 5900n }), 'fee:usd:5900/month', 'overage:usd:0.000001/month@mtr_1'],
    ['overage edited', plan({ overagePriceMinorPerCredit: 2n }), 'fee:usd:4900/month', 'overage:usd:0.000002/month@mtr_1'],
    ['currency edited', plan({ currency: 'EUR' }), 'fee:eur:4900/month', 'overage:eur:0.000001/month@mtr_1'],
    ['overage not allowed: metered at 0', plan({ overageAllowed: false }), 'fee:usd:4900/month', 'overage:usd:0/month@mtr_1'],
    ['fee 0, overage only', plan({ monthlyPriceMinor: 0n }), 'fee:usd:0/month', 'overage:usd:0.000001/month@mtr_1'],
  ])('%s', (_name, input, fee, overage) => {
    const wanted = wantedPlanPrices(input, 'mtr_1', 'mtr_t');
    expect([wanted.fee.terms, wanted.overage.terms]).toEqual([fee, overage]);
    expect([wanted.fee.lookupKey, wanted.overage.lookupKey]).toEqual([`settle:${input.id}:fee`, `settle:${input.id}:overage`]);
  });

  it('token overage: its own lookup key, priced per token on the token meter, 0 when overage is not allowed', () => {
    const wanted = wantedPlanPrices(plan({ overagePriceMinorPerMillionTokens: 200n }), 'mtr_1', 'mtr_t');
    expect(wanted.tokenOverage).toEqual({
      kind: 'token_overage', lookupKey: 'settle:pro:token_overage', currency: 'usd', unitAmountDecimal: '0.0002', terms: 'token_overage:usd:0.0002/month@mtr_t',
    });
    expect(wantedPlanPrices(plan(), 'mtr_1', 'mtr_t').tokenOverage.terms).toBe('token_overage:usd:0/month@mtr_t');
    expect(wantedPlanPrices(plan({ overageAllowed: false, overagePriceMinorPerMillionTokens: 200n }), 'mtr_1', 'mtr_t').tokenOverage.unitAmountDecimal).toBe('0');
  });

  it('another meter is another overage price', () => {
    expect(wantedPlanPrices(plan(), 'mtr_2', 'mtr_t').overage.terms).not.toBe(wantedPlanPrices(plan(), 'mtr_1', 'mtr_t').overage.terms);
  });

  it('spells terms the same whatever Stripe returns for the amount', () => {
    expect(feeTerms('USD', 4900)).toBe(feeTerms('usd', 4900n));
    expect(overageTerms('usd', '0.000001000000', 'mtr_1')).toBe(overageTerms('usd', '0.000001', 'mtr_1'));
  });
});

describe('which plans Stripe bills', () => {
  it.each([
    ['free', plan({ id: 'free', monthlyPriceMinor: 0n, overageAllowed: false, overagePriceMinorPerCredit: 0n }), false],
    ['free even with a price', plan({ id: 'free' }), false],
    ['pro', plan(), true],
    ['enterprise: no fee, overage at a price', plan({ id: 'enterprise', monthlyPriceMinor: 0n }), true],
    ['enterprise: nothing to charge', plan({ id: 'enterprise', monthlyPriceMinor: 0n, overagePriceMinorPerCredit: 0n }), false],
    ['overage priced but not allowed, no fee', plan({ id: 'x', monthlyPriceMinor: 0n, overageAllowed: false }), false],
    ['fee only, hard limit', plan({ id: 'team', overageAllowed: false, overagePriceMinorPerCredit: 0n }), true],
    ['no fee, only token overage at a price', plan({ id: 'tokens', monthlyPriceMinor: 0n, overagePriceMinorPerCredit: 0n, overagePriceMinorPerMillionTokens: 200n }), true],
  ])('%s → %p', (_name, input, paid) => {
    expect(isPaidPlan(input)).toBe(paid);
  });
});

const stripePrice = (overrides: Omit<Partial<Stripe.Price>, 'recurring'> & { recurring?: Partial<Stripe.Price.Recurring> | null } = {}): Stripe.Price => {
  const { recurring, ...rest } = overrides;
  return {
    id: 'price_1', object: 'price', active: true, billing_scheme: 'per_unit', created: 0, currency: 'usd', custom_unit_amount: null,
    livemode: false, lookup_key: 'settle:pro:fee', metadata: {}, nickname: null, product: 'settle_plan_pro', tax_behavior: 'unspecified',
    tiers_mode: null, transform_quantity: null, type: 'recurring', unit_amount: 4900, unit_amount_decimal: '4900',
    ...rest,
    recurring: recurring === null ? null : { interval: 'month', interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed', ...recurring },
  } as Stripe.Price;
};

describe('terms of a price Stripe holds', () => {
  const metered = { recurring: { usage_type: 'metered' as const, meter: 'mtr_1' }, unit_amount: null, unit_amount_decimal: '0.000001000000' };
  it.each([
    ['licensed monthly', stripePrice(), 'fee:usd:4900/month'],
    ['metered on a meter', stripePrice(metered), 'overage:usd:0.000001/month@mtr_1'],
    ['yearly', stripePrice({ recurring: { interval: 'year' } }), null],
    ['every 3 months', stripePrice({ recurring: { interval_count: 3 } }), null],
    ['one-off', stripePrice({ type: 'one_time', recurring: null }), null],
    ['tiered', stripePrice({ billing_scheme: 'tiered' }), null],
    ['transformed quantity (stripe-mock fixture)', stripePrice({ transform_quantity: { divide_by: 1592560163, round: 'down' } }), null],
    ['metered without a meter', stripePrice({ ...metered, recurring: { usage_type: 'metered', meter: null } }), null],
  ])('%s → %p', (_name, price, terms) => {
    expect(termsOfStripePrice(price)).toBe(terms);
  });

  it('reads a metered price as the kind it is wanted for: a token overage price is not reused as the credit one', () => {
    const tokenPrice = stripePrice({ ...metered, lookup_key: 'settle:pro:token_overage', unit_amount_decimal: '0.0002', recurring: { usage_type: 'metered', meter: 'mtr_t' } });
    expect(termsOfStripePrice(tokenPrice, 'token_overage')).toBe('token_overage:usd:0.0002/month@mtr_t');
    const wanted = wantedPlanPrices(plan({ overagePriceMinorPerMillionTokens: 200n }), 'mtr_1', 'mtr_t');
    expect(priceMatches(tokenPrice, wanted.tokenOverage, 'settle_plan_pro')).toBe(true);
    expect(priceMatches(tokenPrice, wanted.overage, 'settle_plan_pro')).toBe(false);
  });

  it.each([
    ['the wanted price', stripePrice(), true],
    ['inactive', stripePrice({ active: false }), false],
    ['other lookup key', stripePrice({ lookup_key: null }), false],
    ['other product', stripePrice({ product: 'prod_other' }), false],
    ['other amount', stripePrice({ unit_amount: 5900 }), false],
    ['other currency', stripePrice({ currency: 'eur' }), false],
  ])('reuse %s → %p', (_name, price, reused) => {
    expect(priceMatches(price, wantedPlanPrices(plan(), 'mtr_1', 'mtr_t').fee, 'settle_plan_pro')).toBe(reused);
  });
});

describe('Stripe tax rate keys', () => {
  it.each([
    [{ taxCountry: 'DE', rateBp: 1900, rateName: 'VAT' }, 'DE:1900:VAT:exclusive'],
    [{ taxCountry: 'FI', rateBp: 2550, rateName: 'ALV' }, 'FI:2550:ALV:exclusive'],
    [{ taxCountry: 'CH', rateBp: 810, rateName: 'MWST' }, 'CH:810:MWST:exclusive'],
  ])('%p → %s', (treatment, key) => {
    expect(stripeTaxRateKey(treatment)).toBe(key);
  });
});
