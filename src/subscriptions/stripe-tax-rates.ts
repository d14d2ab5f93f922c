import { buyerTypeOf } from '../billing-profile/billing-profile.service';
import { findBillingProfile } from '../billing-profile/billing-profile.queries';
import { computeTaxTreatment, formatRatePercent, type TaxTreatment } from '../invoices/compute/tax';
import { loadRates } from '../invoices/tax-rates.service';
import type { BillingCatalogDeps } from './billing-catalog';
import { findStripeTaxRateId, saveStripeTaxRate } from './billing-catalog.queries';

/**
 * Stripe tax rates for subscriptions, so Stripe's invoice charges the tax Settle's invoice for
 * the same month states. Settle's prices are net (exclusive), like its period invoices.
 */

/** One Stripe tax rate per distinct (country, rate, name): e.g. `DE:1900:VAT:exclusive`. */
export function stripeTaxRateKey(treatment: { taxCountry: string; rateBp: number; rateName: string }): string {
  return `${treatment.taxCountry}:${treatment.rateBp}:${treatment.rateName}:exclusive`;
}

/**
 * The account's tax treatment as its next invoice would get it: today's billing profile (none =
 * taxed where the seller is), today's rates, the same rule function the invoice applies.
 */
export async function currentTaxTreatment(deps: Pick<BillingCatalogDeps, 'db' | 'config'>, accountId: string): Promise<TaxTreatment> {
  const profile = await findBillingProfile(deps.db, accountId);
  const sellerCountry = deps.config.SELLER_COUNTRY;
  const buyerCountry = profile?.country ?? null;
  const rates = await loadRates(deps.db, [sellerCountry, buyerCountry]);
  return computeTaxTreatment(
    { sellerCountry, buyerCountry, buyerType: profile ? buyerTypeOf(profile) : 'consumer', buyerTaxId: profile?.tax_id ?? null },
    (country) => rates.get(country),
  );
}

/**
 * The Stripe tax rate ids a subscription of this account carries: [] when no tax is charged
 * (reverse charge, export, a 0 % rate), else the one matching rate, created in Stripe once per key.
 */
export async function stripeTaxRatesFor(deps: BillingCatalogDeps, accountId: string): Promise<string[]> {
  const treatment = await currentTaxTreatment(deps, accountId);
  if (treatment.rateBp === 0 || treatment.taxCountry === null) return [];
  const key = stripeTaxRateKey({ ...treatment, taxCountry: treatment.taxCountry });
  const known = await findStripeTaxRateId(deps.db, key);
  if (known) return [known];
  const taxRate = await deps.stripe.taxRates.create(
    {
      display_name: treatment.rateName,
      percentage: Number(formatRatePercent(treatment.rateBp)),
      inclusive: false,
      country: treatment.taxCountry,
      metadata: { settle_tax_key: key },
    },
    { idempotencyKey: `settle:tax-rate:${key}` },
  );
  const id = await saveStripeTaxRate(deps.db, {
    key, stripe_tax_rate_id: taxRate.id, country: treatment.taxCountry, rate_bp: treatment.rateBp, display_name: treatment.rateName,
  });
  return [id];
}
