/**
 * Money crosses the API edge as a JSON number in major units, converted exactly from integer
 * minor units (4900 usd → 49, 4999 usd → 49.99): the decimal string is built with integer math
 * and only then parsed, so the number prints back as that same decimal.
 */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Minor units per major unit, as a power of ten (ISO 4217 / Stripe's list). */
export function currencyExponent(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

/** `4999n, 'usd'` → `"49.99"`; always every decimal place of the currency. */
export function formatMinorFixed(minor: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/** Exact major-unit JSON number: 4900n → 49, 4999n → 49.99. */
export function minorToMajor(minor: bigint | number, currency: string): number {
  return Number(formatMinorFixed(BigInt(minor), currency));
}

/** For documents: `1234567n, 'usd'` → `"12,345.67 USD"`. */
export function formatMoney(minor: bigint, currency: string): string {
  const fixed = formatMinorFixed(minor, currency);
  const [whole, fraction] = fixed.split('.') as [string, string | undefined];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${grouped}${fraction !== undefined ? `.${fraction}` : ''} ${currency.toUpperCase()}`;
}
