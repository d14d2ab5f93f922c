import type { Config } from '../config/config';
import { countryName } from './compute/countries';
import type { PartySnapshot } from './tax-snapshot';

/** What finalization needs besides the database: the seller and the number formats (from config). */
export interface InvoiceSettings {
  seller: PartySnapshot;
  invoiceNumberFormat: string;
  creditNoteNumberFormat: string;
}

export function invoiceSettingsFromConfig(config: Config): InvoiceSettings {
  return {
    seller: {
      name: config.SELLER_NAME,
      email: config.SELLER_EMAIL,
      address: {
        line1: config.SELLER_ADDRESS_LINE1,
        line2: null,
        city: config.SELLER_CITY,
        postal_code: config.SELLER_POSTAL_CODE,
        country: config.SELLER_COUNTRY,
        country_name: countryName(config.SELLER_COUNTRY),
      },
      tax_id: config.SELLER_TAX_ID,
    },
    invoiceNumberFormat: config.INVOICE_NUMBER_FORMAT,
    creditNoteNumberFormat: config.CREDIT_NOTE_NUMBER_FORMAT,
  };
}
