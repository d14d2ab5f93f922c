import { computeInvoiceAmounts, computeTaxTreatment, formatRatePercent, TaxRateMissingError, type TaxRate, type TaxTreatmentInput } from '../../src/invoices/compute/tax';
import { divideRoundHalfUp } from '../../src/invoices/compute/rounding';

const RATES: Record<string, TaxRate> = {
  DE: { rateBp: 1900, name: 'VAT' },
  FR: { rateBp: 2000, name: 'TVA' },
  IE: { rateBp: 2300, name: 'VAT' },
  FI: { rateBp: 2550, name: 'VAT' },
  CH: { rateBp: 810, name: 'MWST' },
};
const rateFor = (country: string) => RATES[country];

describe('computeTaxTreatment: seller country × buyer country × buyer type × tax id', () => {
  it.each<[string, TaxTreatmentInput, { rule: string; rateBp: number; rateName?: string; taxCountry: string | null; note: RegExp | null }]>([
    ['EU business with tax id in another EU country → reverse charge',
      { sellerCountry: 'DE', buyerCountry: 'FR', buyerType: 'business', buyerTaxId: 'FR12345678901' },
      { rule: 'reverse_charge', rateBp: 0, taxCountry: 'FR', note: /^Reverse charge: VAT to be accounted for by the recipient \(Article 196.*Customer VAT ID: FR12345678901\.$/ }],
    ['EU consumer in another EU country → their country rate',
      { sellerCountry: 'DE', buyerCountry: 'FR', buyerType: 'consumer', buyerTaxId: null },
      { rule: 'eu_consumer', rateBp: 2000, rateName: 'TVA', taxCountry: 'FR', note: /^TVA charged at the rate of France \(20%\)/ }],
    ['EU business without a tax id is taxed like a consumer',
      { sellerCountry: 'DE', buyerCountry: 'FI', buyerType: 'business', buyerTaxId: null },
      { rule: 'eu_consumer', rateBp: 2550, taxCountry: 'FI', note: /Finland \(25\.5%\)/ }],
    ['consumer type with a tax id stays a consumer',
      { sellerCountry: 'DE', buyerCountry: 'IE', buyerType: 'consumer', buyerTaxId: 'IE1234567X' },
      { rule: 'eu_consumer', rateBp: 2300, taxCountry: 'IE', note: /Ireland/ }],
    ['domestic business (same country) pays domestic VAT, no reverse charge',
      { sellerCountry: 'DE', buyerCountry: 'DE', buyerType: 'business', buyerTaxId: 'DE123456789' },
      { rule: 'domestic', rateBp: 1900, taxCountry: 'DE', note: null }],
    ['domestic consumer',
      { sellerCountry: 'DE', buyerCountry: 'DE', buyerType: 'consumer', buyerTaxId: null },
      { rule: 'domestic', rateBp: 1900, taxCountry: 'DE', note: null }],
    ['non-EU consumer without a configured rate → 0 %',
      { sellerCountry: 'DE', buyerCountry: 'US', buyerType: 'consumer', buyerTaxId: null },
      { rule: 'outside_eu', rateBp: 0, taxCountry: null, note: /^Not subject to EU VAT: the place of supply is outside the EU \(United States\)\.$/ }],
    ['non-EU business without a configured rate → 0 %',
      { sellerCountry: 'DE', buyerCountry: 'JP', buyerType: 'business', buyerTaxId: 'T1234567890123' },
      { rule: 'outside_eu', rateBp: 0, taxCountry: null, note: /Japan/ }],
    ['non-EU country with a configured rate → that rate',
      { sellerCountry: 'DE', buyerCountry: 'CH', buyerType: 'consumer', buyerTaxId: null },
      { rule: 'configured_rate', rateBp: 810, rateName: 'MWST', taxCountry: 'CH', note: null }],
    ['non-EU seller, EU business buyer → reverse charge',
      { sellerCountry: 'US', buyerCountry: 'DE', buyerType: 'business', buyerTaxId: 'DE123456789' },
      { rule: 'reverse_charge', rateBp: 0, taxCountry: 'DE', note: /Reverse charge/ }],
    ['non-EU seller, EU consumer → buyer country rate',
      { sellerCountry: 'US', buyerCountry: 'IE', buyerType: 'consumer', buyerTaxId: null },
      { rule: 'eu_consumer', rateBp: 2300, taxCountry: 'IE', note: /Ireland \(23%\)/ }],
    ['non-EU seller, domestic buyer, no rate configured → 0 %',
      { sellerCountry: 'US', buyerCountry: 'US', buyerType: 'consumer', buyerTaxId: null },
      { rule: 'domestic', rateBp: 0, taxCountry: 'US', note: null }],
    ['no billing profile → seller country rate',
      { sellerCountry: 'DE', buyerCountry: null, buyerType: 'consumer', buyerTaxId: null },
      { rule: 'unknown_location', rateBp: 1900, taxCountry: 'DE', note: /^No billing address on file: taxed as a supply in Germany \(VAT 19%\)\.$/ }],
  ])('%s', (_name, input, expected) => {
    const treatment = computeTaxTreatment(input, rateFor);
    expect({ rule: treatment.rule, rateBp: treatment.rateBp, taxCountry: treatment.taxCountry }).toEqual({ rule: expected.rule, rateBp: expected.rateBp, taxCountry: expected.taxCountry });
    if (expected.rateName) expect(treatment.rateName).toBe(expected.rateName);
    if (expected.note) expect(treatment.note).toMatch(expected.note);
    else expect(treatment.note).toBeNull();
  });

  it('refuses to guess an EU rate that is not configured', () => {
    expect(() => computeTaxTreatment({ sellerCountry: 'DE', buyerCountry: 'PL', buyerType: 'consumer', buyerTaxId: null }, rateFor)).toThrow(TaxRateMissingError);
  });
});

describe('computeInvoiceAmounts: one tax line, rounded half-up once', () => {
  it.each([
    // lines, rate bp, inclusive → subtotal, tax, total
    [[4900n], 1900, false, 4900n, 931n, 5831n],
    [[4900n], 0, false, 4900n, 0n, 4900n],
    [[1000n, 2500n], 2000, false, 3500n, 700n, 4200n],
    [[250n], 1900, false, 250n, 48n, 298n], // 47.5 → 48 (half-up)
    [[150n], 1900, false, 150n, 29n, 179n], // 28.5 → 29
    [[149n], 1900, false, 149n, 28n, 177n], // 28.31 → 28
    [[1n], 2550, false, 1n, 0n, 1n], // 0.255 → 0
    [[2n], 2500, false, 2n, 1n, 3n], // 0.5 → 1
    [[10000n], 1925, false, 10000n, 1925n, 11925n],
    [[2500n], 1900, true, 2101n, 399n, 2500n], // 2500 × 19/119 = 399.16 → 399
    [[11900n], 1900, true, 10000n, 1900n, 11900n],
    [[2500n], 0, true, 2500n, 0n, 2500n],
    [[5000n, -1000n], 2000, false, 4000n, 800n, 4800n], // a discount line
  ] as const)('%p at %i bp (inclusive %p) → %p + %p = %p', (lines, rateBp, inclusive, subtotal, tax, total) => {
    expect(computeInvoiceAmounts(lines, rateBp, inclusive)).toEqual({ subtotalMinor: subtotal, taxMinor: tax, totalMinor: total });
  });

  it('refuses a rate outside 0..100 %', () => {
    expect(() => computeInvoiceAmounts([100n], 10001, false)).toThrow(RangeError);
    expect(() => computeInvoiceAmounts([100n], -1, false)).toThrow(RangeError);
  });
});

describe('divideRoundHalfUp', () => {
  it.each([
    [5n, 2n, 3n], [4n, 2n, 2n], [7n, 2n, 4n], [1n, 3n, 0n], [2n, 3n, 1n], [0n, 7n, 0n],
    [-5n, 2n, -3n], [-1n, 3n, 0n], [-2n, 3n, -1n], [15n, 10n, 2n], [14n, 10n, 1n],
    [9_007_199_254_740_993n * 19n, 100n, 1_711_367_858_400_789n],
  ])('%p / %p → %p', (numerator, denominator, expected) => {
    expect(divideRoundHalfUp(numerator, denominator)).toBe(expected);
  });

  it('refuses a non-positive denominator', () => {
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow(RangeError);
  });
});

describe('formatRatePercent', () => {
  it.each([[1900, '19'], [2550, '25.5'], [1925, '19.25'], [0, '0'], [5, '0.05'], [10000, '100'], [810, '8.1']])('%i bp → %s %', (bp, text) => {
    expect(formatRatePercent(bp)).toBe(text);
  });
});
