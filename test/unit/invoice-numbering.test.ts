import { formatDocumentNumber, numberFormatProblem, seriesKeyFor } from '../../src/invoices/compute/numbering';

const NOV_2026 = new Date('2026-11-25T10:00:00Z');

describe('invoice number formats', () => {
  it.each([
    ['INV-{year}-{seq:6}', 1n, 'INV-2026-000001'],
    ['INV-{year}-{seq:6}', 123456n, 'INV-2026-123456'],
    ['INV-{year}-{seq:6}', 1234567n, 'INV-2026-1234567'], // grows, never wraps
    ['CN-{year}-{seq:6}', 42n, 'CN-2026-000042'],
    ['{seq}', 7n, '7'],
    ['ACME/{year}/{seq:4}', 12n, 'ACME/2026/0012'],
    ['A{seq:3}', 5n, 'A005'],
  ])('%s with %p → %s', (format, seq, expected) => {
    expect(formatDocumentNumber(format, NOV_2026, seq)).toBe(expected);
  });

  it('uses the UTC year of issue', () => {
    expect(formatDocumentNumber('INV-{year}-{seq:6}', new Date('2026-12-31T23:59:59.999Z'), 1n)).toBe('INV-2026-000001');
    expect(formatDocumentNumber('INV-{year}-{seq:6}', new Date('2027-01-01T00:00:00Z'), 1n)).toBe('INV-2027-000001');
  });

  it('keys one series per format and year', () => {
    expect(seriesKeyFor('INV-{year}-{seq:6}', NOV_2026)).toBe('INV-2026-{seq:6}');
    expect(seriesKeyFor('INV-{year}-{seq:6}', new Date('2027-03-01T00:00:00Z'))).toBe('INV-2027-{seq:6}');
    expect(seriesKeyFor('CN-{year}-{seq:6}', NOV_2026)).not.toBe(seriesKeyFor('INV-{year}-{seq:6}', NOV_2026));
    expect(seriesKeyFor('{seq}', NOV_2026)).toBe('{seq}');
  });

  it.each([
    ['INV-{year}-{seq:6}', null],
    ['{seq}', null],
    ['INV-{year}', 'must contain {seq} or {seq:N} exactly once'],
    ['{seq}-{seq}', 'must contain {seq} or {seq:N} exactly once'],
    ['INV-{month}-{seq}', 'unknown token {month}'],
    ['INV-{year:4}-{seq}', '{year} takes no width'],
    ['INV-{seq:0}', '{seq:N} needs N between 1 and 12'],
    ['INV-{seq:13}', '{seq:N} needs N between 1 and 12'],
    ['INV {seq}', 'may contain only letters, digits, . _ / # - and the tokens {year} and {seq:N}'],
    ['INV-{seq', 'may contain only letters, digits, . _ / # - and the tokens {year} and {seq:N}'],
    [`${'X'.repeat(40)}{seq}`, 'must be at most 40 characters'],
  ])('format %s → %p', (format, problem) => {
    expect(numberFormatProblem(format)).toBe(problem);
  });

  it('refuses sequence 0 and bad formats at use', () => {
    expect(() => formatDocumentNumber('INV-{seq}', NOV_2026, 0n)).toThrow(RangeError);
    expect(() => formatDocumentNumber('INV', NOV_2026, 1n)).toThrow(RangeError);
  });
});
