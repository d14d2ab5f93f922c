import { ConfigError, loadConfig } from '../../src/config/config';
import { invoiceSettingsFromConfig } from '../../src/invoices/invoice-settings';

describe('invoice configuration', () => {
  it('needs nothing: a placeholder seller in DE and the default number formats', () => {
    const settings = invoiceSettingsFromConfig(loadConfig({}, 'embedded'));
    expect(settings).toEqual({
      seller: {
        name: 'Example Seller GmbH',
        email: 'billing@example.com',
        tax_id: 'DE000000000',
        address: { line1: 'Example Street 1', line2: null, city: 'Berlin', postal_code: '10115', country: 'DE', country_name: 'Germany' },
      },
      invoiceNumberFormat: 'INV-{year}-{seq:6}',
      creditNoteNumberFormat: 'CN-{year}-{seq:6}',
    });
  });

  it('takes the seller and the formats from the environment', () => {
    const settings = invoiceSettingsFromConfig(loadConfig({
      SELLER_NAME: 'Settle Ltd', SELLER_ADDRESS_LINE1: '1 Grand Canal Sq', SELLER_CITY: 'Dublin', SELLER_POSTAL_CODE: 'D02 P820',
      SELLER_COUNTRY: 'ie', SELLER_TAX_ID: 'IE1234567X', SELLER_EMAIL: 'billing@settle.example',
      INVOICE_NUMBER_FORMAT: 'S/{year}/{seq:5}', CREDIT_NOTE_NUMBER_FORMAT: 'SC/{year}/{seq:5}',
    }, 'embedded'));
    expect(settings.seller).toMatchObject({ name: 'Settle Ltd', tax_id: 'IE1234567X', address: { country: 'IE', country_name: 'Ireland', city: 'Dublin' } });
    expect([settings.invoiceNumberFormat, settings.creditNoteNumberFormat]).toEqual(['S/{year}/{seq:5}', 'SC/{year}/{seq:5}']);
  });

  it.each([
    [{ SELLER_COUNTRY: 'UK' }, 'SELLER_COUNTRY: must be an ISO 3166-1 alpha-2 country code'],
    [{ SELLER_COUNTRY: 'Germany' }, 'SELLER_COUNTRY:'],
    [{ SELLER_EMAIL: 'billing' }, 'SELLER_EMAIL:'],
    [{ INVOICE_NUMBER_FORMAT: 'INV-{year}' }, 'INVOICE_NUMBER_FORMAT: must contain {seq} or {seq:N} exactly once'],
    [{ CREDIT_NOTE_NUMBER_FORMAT: 'CN {seq}' }, 'CREDIT_NOTE_NUMBER_FORMAT: may contain only'],
  ])('rejects %o naming the variable', (env, message) => {
    expect(() => loadConfig(env, 'embedded')).toThrow(ConfigError);
    expect(() => loadConfig(env, 'embedded')).toThrow(message);
  });
});
