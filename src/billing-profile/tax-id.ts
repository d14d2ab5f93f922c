import { euVatPrefix, isEuCountry } from '../invoices/compute/countries';

/** `de 123.456-789` → `DE123456789`: the form tax ids are stored, compared and printed in. */
export function normalizeTaxId(raw: string): string {
  return raw.toUpperCase().replace(/[\s.\-/]/g, '');
}

/**
 * Why a (normalised) tax id does not fit the country, or null. EU VAT ids must carry their
 * country's prefix (EL for Greece), since the reverse-charge rule relies on them; elsewhere any
 * 4–30 letters and digits are accepted.
 */
export function taxIdProblem(taxId: string, country: string): string | null {
  if (!/^[A-Z0-9]{4,30}$/.test(taxId)) return 'must be 4 to 30 letters and digits (spaces, dots and dashes are ignored)';
  if (isEuCountry(country)) {
    const prefix = euVatPrefix(country);
    if (!taxId.startsWith(prefix) || !/^[A-Z0-9]{2}[0-9A-Z]{2,13}$/.test(taxId)) {
      return `must be an EU VAT id of ${country}, starting with ${prefix} (e.g. ${prefix}123456789)`;
    }
  }
  return null;
}
