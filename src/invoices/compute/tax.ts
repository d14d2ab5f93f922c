import { AppError } from '../../shared/errors';
import { countryName, isEuCountry } from './countries';
import { divideRoundHalfUp } from './rounding';

/**
 * Which tax treatment an invoice gets, as one pure function of seller country, buyer country,
 * buyer type and tax id (plus the configured rates). The rule applied is recorded on the invoice.
 *
 * - `domestic`         buyer in the seller's country: that country's rate (0 if none is configured outside the EU)
 * - `reverse_charge`   EU business buyer with a tax id, in another EU country than the seller: 0 %, legal note
 * - `eu_consumer`      other EU buyers (consumers, or businesses without a tax id): the buyer country's rate
 * - `configured_rate`  buyer outside the EU in a country an admin configured a rate for: that rate
 * - `outside_eu`       buyer outside the EU, no rate configured: 0 %, note
 * - `unknown_location` no billing profile: taxed as a supply in the seller's country, note
 */
export type TaxRule = 'domestic' | 'reverse_charge' | 'eu_consumer' | 'configured_rate' | 'outside_eu' | 'unknown_location';

export type BuyerType = 'business' | 'consumer';

/** A configured rate: basis points of the net amount (1900 = 19 %), and the tax's display name. */
export interface TaxRate {
  rateBp: number;
  name: string;
}

export interface TaxTreatmentInput {
  sellerCountry: string;
  /** null when the account has no billing profile. */
  buyerCountry: string | null;
  buyerType: BuyerType;
  buyerTaxId: string | null;
}

export interface TaxTreatment {
  rule: TaxRule;
  rateBp: number;
  /** e.g. `VAT`; the label of the tax line. */
  rateName: string;
  /** The country whose rate applies (null when no tax applies). */
  taxCountry: string | null;
  /** Printed on the invoice with the tax line. */
  note: string | null;
}

export class TaxRateMissingError extends AppError {
  constructor(country: string) {
    super(409, 'tax_rate_missing', `No tax rate is configured for ${country}; set one with PUT /v1/admin/tax-rates/${country}`, { country });
  }
}

/** 1900 → "19", 2550 → "25.5", 1925 → "19.25" (basis points as a percentage, exact). */
export function formatRatePercent(rateBp: number): string {
  const whole = Math.trunc(rateBp / 100);
  const fraction = String(rateBp % 100).padStart(2, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

export function computeTaxTreatment(input: TaxTreatmentInput, rateFor: (country: string) => TaxRate | undefined): TaxTreatment {
  const { sellerCountry, buyerCountry } = input;
  const rated = (rule: TaxRule, country: string, note: (rate: TaxRate) => string | null): TaxTreatment => {
    const rate = rateFor(country);
    if (!rate) {
      if (isEuCountry(country)) throw new TaxRateMissingError(country);
      return { rule, rateBp: 0, rateName: 'Tax', taxCountry: country, note: note({ rateBp: 0, name: 'Tax' }) };
    }
    return { rule, rateBp: rate.rateBp, rateName: rate.name, taxCountry: country, note: note(rate) };
  };

  if (buyerCountry === null) {
    return rated('unknown_location', sellerCountry, (rate) =>
      `No billing address on file: taxed as a supply in ${countryName(sellerCountry)} (${rate.name} ${formatRatePercent(rate.rateBp)}%).`);
  }
  if (buyerCountry === sellerCountry) return rated('domestic', buyerCountry, () => null);
  if (isEuCountry(buyerCountry)) {
    if (input.buyerType === 'business' && input.buyerTaxId) {
      return {
        rule: 'reverse_charge',
        rateBp: 0,
        rateName: 'VAT',
        taxCountry: buyerCountry,
        note: `Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC). Customer VAT ID: ${input.buyerTaxId}.`,
      };
    }
    return rated('eu_consumer', buyerCountry, (rate) =>
      `${rate.name} charged at the rate of ${countryName(buyerCountry)} (${formatRatePercent(rate.rateBp)}%), the customer's place of supply (Article 58, Council Directive 2006/112/EC).`);
  }
  const configured = rateFor(buyerCountry);
  if (configured) {
    return { rule: 'configured_rate', rateBp: configured.rateBp, rateName: configured.name, taxCountry: buyerCountry, note: null };
  }
  return {
    rule: 'outside_eu',
    rateBp: 0,
    rateName: 'VAT',
    taxCountry: null,
    note: `Not subject to EU VAT: the place of supply is outside the EU (${countryName(buyerCountry)}).`,
  };
}

export interface InvoiceAmounts {
  /** Net amount: the taxable base of the one tax line. */
  subtotalMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
}

/**
 * Totals of an invoice with one tax line. Exclusive prices (the default): tax = half-up(net × rate).
 * Inclusive prices (a gross amount already charged, e.g. a checkout): tax = half-up(gross × rate /
 * (1 + rate)) and net = gross − tax, so the total always equals what was charged.
 */
export function computeInvoiceAmounts(lineAmountsMinor: readonly bigint[], rateBp: number, taxInclusive: boolean): InvoiceAmounts {
  if (!Number.isInteger(rateBp) || rateBp < 0 || rateBp > 10_000) throw new RangeError(`rate ${rateBp} bp is out of range`);
  const sum = lineAmountsMinor.reduce((acc, amount) => acc + amount, 0n);
  const bp = BigInt(rateBp);
  if (taxInclusive) {
    const taxMinor = divideRoundHalfUp(sum * bp, 10_000n + bp);
    return { subtotalMinor: sum - taxMinor, taxMinor, totalMinor: sum };
  }
  const taxMinor = divideRoundHalfUp(sum * bp, 10_000n);
  return { subtotalMinor: sum, taxMinor, totalMinor: sum + taxMinor };
}
