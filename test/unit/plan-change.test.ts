import { dunningGraceMs, isNewerStripeState, planChangeKey, planDirection, proratedIncluded } from '../../src/subscriptions/compute/plan-change';

const november = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z') };
const MICRO = 1_000_000n;

describe('planDirection', () => {
  it.each([
    ['free', 0n, 'pro', 4900n, 'upgrade'],
    ['pro', 4900n, 'free', 0n, 'downgrade'],
    ['pro', 4900n, 'pro', 4900n, 'same'],
    ['pro', 4900n, 'scale', 9900n, 'upgrade'],
    ['pro', 4900n, 'enterprise', 0n, 'downgrade'],
    ['pro', 4900n, 'pro-annual', 4900n, 'downgrade'],
  ] as const)('%s (%s) → %s (%s) is %s', (from, fromPrice, to, toPrice, expected) => {
    expect(planDirection({ id: from, monthlyPriceMinor: fromPrice }, { id: to, monthlyPriceMinor: toPrice })).toBe(expected);
  });
});

describe('proratedIncluded', () => {
  it.each([
    ['the period start: all of it', '2026-11-01T00:00:00Z', 10_000n * MICRO],
    ['before the period: all of it', '2026-10-15T00:00:00Z', 10_000n * MICRO],
    ['half way (15 of 30 days)', '2026-11-16T00:00:00Z', 5_000n * MICRO],
    ['one day left', '2026-11-30T00:00:00Z', 333_330_000n], // 333.333… rounded down to 333.33
    ['one minute left', '2026-11-30T23:59:00Z', 230_000n], // 0.2314… rounded down to 0.23
    ['one second left: under 0.01 credit, nothing', '2026-11-30T23:59:59Z', 0n],
    ['the period end: nothing', '2026-12-01T00:00:00Z', 0n],
    ['after the period: nothing', '2026-12-09T00:00:00Z', 0n],
  ])('%s', (_, now, expected) => {
    expect(proratedIncluded(10_000n * MICRO, november, new Date(now))).toBe(expected);
  });

  it('rounds down to 0.01 credit, never up', () => {
    // 100 credits, 1/3 of a 30-day month left: 33.333… → 33.33
    expect(proratedIncluded(100n * MICRO, november, new Date('2026-11-21T00:00:00Z'))).toBe(33_330_000n);
  });

  it('rounds tokens down to a whole token with step 1', () => {
    expect(proratedIncluded(2_000_000n, november, new Date('2026-11-30T00:00:00Z'), 1n)).toBe(66_666n);
  });

  it('grants nothing for an empty allowance or an empty period', () => {
    expect(proratedIncluded(0n, november, new Date('2026-11-10T00:00:00Z'))).toBe(0n);
    expect(proratedIncluded(100n * MICRO, { start: november.start, end: november.start }, november.start)).toBe(0n);
  });
});

describe('isNewerStripeState', () => {
  it.each([
    [1_700_000_100, null, true],
    [1_700_000_100, 1_700_000_000, true],
    [1_700_000_000, 1_700_000_000, true],
    [1_699_999_999, 1_700_000_000, false],
  ])('state at %s after applied %s → %s', (at, applied, expected) => {
    expect(isNewerStripeState(at, applied)).toBe(expected);
  });
});

describe('keys and durations', () => {
  it('numbers plan-change keys by account, period and change', () => {
    expect(planChangeKey('acct_1', '2026-11', 3)).toBe('plan-change:acct_1:2026-11:3');
  });
  it.each([
    [14, 1_209_600_000],
    [0.5, 43_200_000],
    [0.0001, 8_640],
  ])('%s grace days are %s ms', (days, ms) => {
    expect(dunningGraceMs(days)).toBe(ms);
  });
});
