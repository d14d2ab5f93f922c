/**
 * Exact conversions at the API edge. Inside, credits are bigint micro-credits and money is bigint
 * minor units; JSON shows them as numbers converted exactly (never via float arithmetic).
 */
export const MICRO = 1_000_000n;

/** 12.5 → 12_500_000n. Rejects more than 6 decimals or non-finite input. */
export function creditsToMicro(credits: number | string): bigint {
  return decimalToScaled(String(credits), 6);
}

/** 12_500_000n → 12.5 (exact: the decimal string is parsed, not computed in floats). */
export function microToCredits(micro: bigint | string | number): number {
  return Number(scaledToDecimal(BigInt(micro), 6));
}

export function minorToMajor(minor: bigint | string | number, decimals = 2): number {
  return Number(scaledToDecimal(BigInt(minor), decimals));
}

export function majorToMinor(major: number | string, decimals = 2): bigint {
  return decimalToScaled(String(major), decimals);
}

/** "12.5" with scale 6 → 12500000n; throws RangeError on more decimals than the scale. */
export function decimalToScaled(text: string, scale: number): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal number: ${text}`);
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  let digits = whole! + fraction;
  let point = whole!.length + Number(exponent);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point, '0');
  const intPart = digits.slice(0, point) || '0';
  const fracPart = digits.slice(point).replace(/0+$/, '');
  if (fracPart.length > scale) throw new RangeError(`more than ${scale} decimals: ${text}`);
  const scaled = BigInt(intPart + fracPart.padEnd(scale, '0'));
  return sign === '-' ? -scaled : scaled;
}

export function scaledToDecimal(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** numerator / denominator rounded half-up (away from zero at .5), both positive or zero. */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n || numerator < 0n) throw new RangeError('divideRoundHalfUp expects numerator >= 0 and denominator > 0');
  return (numerator * 2n + denominator) / (denominator * 2n);
}
