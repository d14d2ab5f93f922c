import { effectiveMarkupBps, markupBpsToFraction, markupFractionToBps } from '../../src/pricing/compute/agent-markup';
import { priceUsage } from '../../src/pricing/compute/price-usage';
import { creditsToMicro, microToCredits } from '../../src/shared/amounts';

describe('agent markup (seed 002, per plan, overridable per account)', () => {
  it.each([
    [2000, null, 2000n],
    [2000, 1500, 1500n],
    [2000, 0, 0n],
    [3500, null, 3500n],
  ])('plan %s bps, account %s → %s bps', (plan, account, expected) => {
    expect(effectiveMarkupBps(plan, account)).toBe(expected);
  });

  it.each([
    [0.2, 2000],
    [0, 0],
    [0.0001, 1],
    [0.125, 1250],
    [10, 100_000],
  ])('fraction %s ↔ %s bps', (fraction, bps) => {
    expect(markupFractionToBps(fraction)).toBe(bps);
    expect(markupBpsToFraction(bps)).toBe(fraction);
  });

  it('refuses finer than a basis point', () => {
    expect(() => markupFractionToBps(0.00001)).toThrow(RangeError);
  });

  it.each([
    [2000n, 0.8, 0.16, 0.96], // seed 002's example
    [1500n, 0.8, 0.12, 0.92],
    [0n, 0.8, 0, 0.8],
    [1250n, 0.8, 0.1, 0.9],
  ])('%s bps on a %s-credit run: markup %s, charged %s', (bps, subtotal, markup, charged) => {
    const priced = priceUsage([{ kind: 'tool', tool: 't', publisherId: null, creditsPerExecution: creditsToMicro(subtotal), quantity: 1n }], { markupBps: bps });
    expect([microToCredits(priced.markup), microToCredits(priced.charged)]).toEqual([markup, charged]);
  });
});
