import type { BuyerType, TaxRule, TaxTreatment } from './compute/tax';
import type { InvoiceAmounts } from './compute/tax';

export interface AddressSnapshot {
  line1: string;
  line2: string | null;
  city: string;
  postal_code: string;
  country: string;
  country_name: string;
}

export interface PartySnapshot {
  name: string;
  email: string | null;
  /** null for a buyer without a billing profile. */
  address: AddressSnapshot | null;
  tax_id: string | null;
}

/**
 * Everything the tax treatment of an invoice depended on, copied at finalization and never read
 * from live tables again: seller and buyer details, tax id, countries, rate, rule, note, amounts.
 * Stored as jsonb with integer minor amounts; the API shows major units.
 */
export interface TaxSnapshot {
  version: 1;
  seller: PartySnapshot;
  buyer: PartySnapshot & { type: BuyerType };
  seller_country: string;
  buyer_country: string | null;
  buyer_type: BuyerType;
  /** The buyer's tax id (null for consumers). */
  tax_id: string | null;
  rule: TaxRule;
  rate_bp: number;
  rate_name: string;
  tax_country: string | null;
  note: string | null;
  tax_inclusive: boolean;
  currency: string;
  taxable_amount_minor: number;
  tax_amount_minor: number;
  total_minor: number;
  /** Credit notes: the number of the invoice they correct. */
  corrects_invoice_number: string | null;
  /** Names the rounding, so a reader of the snapshot can recompute the tax. */
  rounding: 'half_up_per_tax_line';
}

export function buildTaxSnapshot(args: {
  seller: PartySnapshot;
  buyer: PartySnapshot & { type: BuyerType };
  treatment: TaxTreatment;
  amounts: InvoiceAmounts;
  taxInclusive: boolean;
  currency: string;
  correctsInvoiceNumber: string | null;
}): TaxSnapshot {
  const { seller, buyer, treatment, amounts } = args;
  return {
    version: 1,
    seller,
    buyer,
    seller_country: seller.address!.country,
    buyer_country: buyer.address?.country ?? null,
    buyer_type: buyer.type,
    tax_id: buyer.tax_id,
    rule: treatment.rule,
    rate_bp: treatment.rateBp,
    rate_name: treatment.rateName,
    tax_country: treatment.taxCountry,
    note: treatment.note,
    tax_inclusive: args.taxInclusive,
    currency: args.currency,
    taxable_amount_minor: Number(amounts.subtotalMinor),
    tax_amount_minor: Number(amounts.taxMinor),
    total_minor: Number(amounts.totalMinor),
    corrects_invoice_number: args.correctsInvoiceNumber,
    rounding: 'half_up_per_tax_line',
  };
}

/** A credit note mirrors the treatment frozen on the invoice it corrects, whatever the rates are now. */
export function treatmentOf(snapshot: TaxSnapshot): TaxTreatment {
  return { rule: snapshot.rule, rateBp: snapshot.rate_bp, rateName: snapshot.rate_name, taxCountry: snapshot.tax_country, note: snapshot.note };
}
