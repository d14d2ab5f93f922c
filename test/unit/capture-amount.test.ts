import { captureAmount } from '../../src/holds/compute/capture-amount';

const c = (n: number) => BigInt(Math.round(n * 1_000_000));

describe('captureAmount: what a hold capture charges', () => {
  it.each([
    // actual, available (hold included), overage allowed → charged, uncaptured
    ['within the hold', 7, 10, false, 7, 0],
    ['above the hold, the balance covers it', 12, 40, false, 12, 0],
    ['exactly what is available', 40, 40, false, 40, 0],
    ['above what is available: capped', 50, 40, false, 40, 10],
    ['nothing available (grants expired under the hold)', 5, 0, false, 0, 5],
    ['negative available (other holds exceed the grants)', 5, -3, false, 0, 5],
    ['overage plan: all of it, whatever is available', 50, 40, true, 50, 0],
    ['overage plan, nothing available', 5, -3, true, 5, 0],
    ['zero usage', 0, 0, false, 0, 0],
    ['micro-credit exact cap', 1.000001, 1, false, 1, 0.000001],
  ])('%s', (_name, actual, available, overageAllowed, charge, uncaptured) => {
    expect(captureAmount({ actual: c(actual), available: c(available), overageAllowed })).toEqual({ charge: c(charge), uncaptured: c(uncaptured) });
  });

  it('refuses negative usage', () => {
    expect(() => captureAmount({ actual: -1n, available: 0n, overageAllowed: false })).toThrow(RangeError);
  });
});
