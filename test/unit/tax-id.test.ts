import { normalizeTaxId, taxIdProblem } from '../../src/billing-profile/tax-id';

describe('buyer tax ids', () => {
  it.each([
    ['de 123.456-789', 'DE123456789'],
    ['EL 123456789', 'EL123456789'],
    ['  fr12345678901 ', 'FR12345678901'],
  ])('normalises %p → %s', (raw, normalised) => {
    expect(normalizeTaxId(raw)).toBe(normalised);
  });

  it.each([
    ['DE123456789', 'DE', null],
    ['EL123456789', 'GR', null],
    ['FR12345678901', 'FR', null],
    ['12-3456789', 'US', 'must be 4 to 30 letters and digits (spaces, dots and dashes are ignored)'],
    ['123456789', 'US', null],
    ['GB123456789', 'GB', null],
    ['DE123456789', 'FR', 'must be an EU VAT id of FR, starting with FR (e.g. FR123456789)'],
    ['GR123456789', 'GR', 'must be an EU VAT id of GR, starting with EL (e.g. EL123456789)'],
    ['DE', 'DE', 'must be 4 to 30 letters and digits (spaces, dots and dashes are ignored)'],
    ['DE1', 'DE', 'must be 4 to 30 letters and digits (spaces, dots and dashes are ignored)'],
  ])('%s in %s → %p', (taxId, country, problem) => {
    expect(taxIdProblem(taxId, country)).toBe(problem);
  });
});
