import { pairingPeriodOf } from '../../src/subscriptions/compute/mismatch-period';
import { isComparable, mismatchReasons, type InvoiceAmounts } from '../../src/subscriptions/compute/mismatch-reasons';

const settle: InvoiceAmounts = { currency: 'usd', totalMinor: 5831n, taxMinor: 931n };

describe('mismatchReasons: Stripe charged what Settle invoiced, or why not', () => {
  it.each<[string, InvoiceAmounts, string[]]>([
    ['the same total, tax and currency', { currency: 'usd', totalMinor: 5831n, taxMinor: 931n }, []],
    ['the currency in upper case', { currency: 'USD', totalMinor: 5831n, taxMinor: 931n }, []],
    ['a cent more in total', { currency: 'usd', totalMinor: 5832n, taxMinor: 931n }, ['total_differs']],
    ['the same total split otherwise (tax rate mismatch, net adjusted)', { currency: 'usd', totalMinor: 5831n, taxMinor: 900n }, ['tax_differs']],
    ['no tax at all (no tax rate on the subscription)', { currency: 'usd', totalMinor: 4900n, taxMinor: 0n }, ['total_differs', 'tax_differs']],
    ['another currency, same numbers', { currency: 'eur', totalMinor: 5831n, taxMinor: 931n }, ['currency_differs']],
    ['everything different', { currency: 'eur', totalMinor: 1n, taxMinor: 0n }, ['total_differs', 'tax_differs', 'currency_differs']],
    ['less than Settle (a coupon on Stripe)', { currency: 'usd', totalMinor: 2915n, taxMinor: 465n }, ['total_differs', 'tax_differs']],
  ])('%s', (_case, stripe, reasons) => {
    expect(mismatchReasons(settle, stripe)).toEqual(reasons);
  });

  it.each([
    [0n, false],
    [1n, true],
    [-500n, true], // a credit: compared, it can never match a positive invoice silently
    [4900n, true],
  ])('a Stripe total of %s is compared: %s', (totalMinor, comparable) => {
    expect(isComparable({ totalMinor })).toBe(comparable);
  });
});

describe('pairingPeriodOf: the month of Settle’s invoice a Stripe invoice collects', () => {
  const at = (iso: string) => Date.parse(iso) / 1000;
  it.each<[string, number | null, number, string]>([
    ['renewal on the 1st bills the month that just ended', at('2026-10-01T00:00:00Z'), at('2026-11-01T00:05:00Z'), '2026-10'],
    ['a period starting mid-month (subscribed on the 17th)', at('2026-10-17T09:30:00Z'), at('2026-11-01T00:01:00Z'), '2026-10'],
    ['the last second of a month', at('2026-10-31T23:59:59Z'), at('2026-11-01T00:00:10Z'), '2026-10'],
    ['no service period: the month it was created', null, at('2026-12-03T12:00:00Z'), '2026-12'],
    ['no service period on the 1st at midnight', null, at('2027-01-01T00:00:00Z'), '2027-01'],
    ['a long-past month', at('1901-02-01T00:00:00Z'), at('1901-03-01T00:00:00Z'), '1901-02'],
  ])('%s', (_case, periodStart, created, period) => {
    expect(pairingPeriodOf({ periodStart, created })).toBe(period);
  });
});
