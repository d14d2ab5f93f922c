import { currencyExponent, formatMinorFixed, formatMoney, minorToMajor } from '../../src/invoices/compute/money';

describe('money at the edge: exact major units', () => {
  it.each([
    [4900n, 'usd', 49, '49.00', '49.00 USD'],
    [4999n, 'usd', 49.99, '49.99', '49.99 USD'],
    [5n, 'eur', 0.05, '0.05', '0.05 EUR'],
    [0n, 'eur', 0, '0.00', '0.00 EUR'],
    [-1050n, 'usd', -10.5, '-10.50', '-10.50 USD'],
    [123456789n, 'usd', 1234567.89, '1234567.89', '1,234,567.89 USD'],
    [1500n, 'jpy', 1500, '1500', '1,500 JPY'],
    [1234n, 'kwd', 1.234, '1.234', '1.234 KWD'],
    [1_000_000_000_000_07n, 'usd', 1_000_000_000_000.07, '1000000000000.07', '1,000,000,000,000.07 USD'],
  ])('%p %s → %p / %s / %s', (minor, currency, major, fixed, formatted) => {
    expect(minorToMajor(minor, currency)).toBe(major);
    expect(JSON.stringify(minorToMajor(minor, currency))).toBe(String(major));
    expect(formatMinorFixed(minor, currency)).toBe(fixed);
    expect(formatMoney(minor, currency)).toBe(formatted);
  });

  it('knows zero- and three-decimal currencies', () => {
    expect([currencyExponent('usd'), currencyExponent('jpy'), currencyExponent('bhd')]).toEqual([2, 0, 3]);
  });
});
