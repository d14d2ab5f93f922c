/**
 * Invoice numbers: a format such as `INV-{year}-{seq:6}` with `{year}` (UTC year of issue) and one
 * `{seq}` / `{seq:N}` (the gapless sequence, zero-padded to N digits; it grows past N rather than
 * wrap). Each distinct rendering of the format without its sequence is one series with its own
 * counter row, so `INV-2026-…` and `INV-2027-…` each start at 1, and two kinds configured with
 * the same format share one series (numbers stay unique).
 */
const TOKEN = /\{([a-z]+)(?::(\d+))?\}/g;

export function numberFormatProblem(format: string): string | null {
  if (format.length > 40) return 'must be at most 40 characters';
  const literal = format.replace(TOKEN, '');
  if (!/^[A-Za-z0-9._/#-]*$/.test(literal)) return 'may contain only letters, digits, . _ / # - and the tokens {year} and {seq:N}';
  let seqCount = 0;
  for (const [, name, width] of format.matchAll(TOKEN)) {
    if (name === 'seq') {
      seqCount += 1;
      if (width !== undefined && (Number(width) < 1 || Number(width) > 12)) return '{seq:N} needs N between 1 and 12';
    } else if (name === 'year') {
      if (width !== undefined) return '{year} takes no width';
    } else {
      return `unknown token {${name}}`;
    }
  }
  if (seqCount !== 1) return 'must contain {seq} or {seq:N} exactly once';
  return null;
}

function assertFormat(format: string): void {
  const problem = numberFormatProblem(format);
  if (problem) throw new RangeError(`invoice number format '${format}' ${problem}`);
}

/** The counter row's key: the format with its year filled in and the sequence left as a token. */
export function seriesKeyFor(format: string, issuedAt: Date): string {
  assertFormat(format);
  return format.replace(/\{year\}/g, String(issuedAt.getUTCFullYear()));
}

export function formatDocumentNumber(format: string, issuedAt: Date, seq: bigint): string {
  assertFormat(format);
  if (seq < 1n) throw new RangeError('sequence numbers start at 1');
  return seriesKeyFor(format, issuedAt).replace(/\{seq(?::(\d+))?\}/, (_m, width: string | undefined) =>
    seq.toString().padStart(width ? Number(width) : 1, '0'));
}
