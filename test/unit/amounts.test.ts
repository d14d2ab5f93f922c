import { creditsToMicro, decimalToScaled, divideRoundHalfUp, majorToMinor, microToCredits, minorToMajor } from '../../src/shared/amounts';

describe('exact amount conversions', () => {
  it.each([
    [1, 1_000_000n],
    [0.000001, 1n],
    [12.5, 12_500_000n],
    [0.1, 100_000n],
    [1e-6, 1n],
    [123456.654321, 123_456_654_321n],
    ['1e3', 1_000_000_000n],
  ])('creditsToMicro(%s) = %s', (input, micro) => {
    expect(creditsToMicro(input)).toBe(micro);
  });

  it.each([[0.0000001], [1.1234567], ['abc'], ['1.2.3'], [Number.NaN], [Number.POSITIVE_INFINITY]])('creditsToMicro(%s) refuses', (input) => {
    expect(() => creditsToMicro(input as number)).toThrow(RangeError);
  });

  it.each([
    [1n, 0.000001],
    [1_000_000n, 1],
    [-2_500_000n, -2.5],
    [93_500_000n, 93.5],
    [0n, 0],
  ])('microToCredits(%s) = %s', (micro, credits) => {
    expect(microToCredits(micro)).toBe(credits);
  });

  it('money: major ↔ minor', () => {
    expect(majorToMinor(49)).toBe(4900n);
    expect(majorToMinor(0.1)).toBe(10n);
    expect(() => majorToMinor(0.001)).toThrow(RangeError);
    expect(minorToMajor(4950n)).toBe(49.5);
    expect(decimalToScaled('0.01', 8)).toBe(1_000_000n);
  });

  it.each([
    [5n, 10n, 1n],
    [4n, 10n, 0n],
    [15n, 10n, 2n],
    [25n, 10n, 3n],
    [0n, 7n, 0n],
  ])('divideRoundHalfUp(%s, %s) = %s', (n, d, q) => {
    expect(divideRoundHalfUp(n, d)).toBe(q);
  });
});
