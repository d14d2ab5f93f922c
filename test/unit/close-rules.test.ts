import { hourWindow, overageChargeMinor, overageIdentifier, overageToReport, periodInvoiceLines, splitRollover, tokenOverageChargeMinor } from '../../src/periods/compute/close-rules';

describe('close rules', () => {
  it.each([
    [100_000_000n, '0', 0n, 100_000_000n],
    [100_000_000n, '0.25', 25_000_000n, 75_000_000n],
    [100_000_000n, '1', 100_000_000n, 0n],
    [3n, '0.5', 1n, 2n], // rounds down to the micro-credit; the rest expires
    [0n, '0.5', 0n, 0n],
    [999_999n, '0.33333', 333_329n, 666_670n],
  ])('splitRollover(%s, %s) rolls %s and expires %s', (unused, fraction, rollover, expire) => {
    expect(splitRollover(unused, fraction)).toEqual({ rollover, expire });
    expect(rollover + expire).toBe(unused);
  });

  it('refuses fractions outside [0, 1]', () => {
    expect(() => splitRollover(1n, '1.5')).toThrow(RangeError);
  });

  it.each([
    [500n, 0n, 500n],
    [500n, 200n, 300n],
    [500n, 500n, 0n],
    [500n, 600n, 0n],
  ])('overageToReport(%s, %s) = %s', (overage, reported, delta) => {
    expect(overageToReport(overage, reported)).toBe(delta);
  });

  it.each([
    [2_000_000_000n, 1n, 2000n], // 2000 credits at 1¢
    [1_500_000n, 1n, 2n], // 1.5 credits → 1.5¢ → 2¢ (half-up)
    [1_400_000n, 1n, 1n],
    [0n, 5n, 0n],
  ])('overageChargeMinor(%s micro, %s¢/credit) = %s¢', (micro, price, minor) => {
    expect(overageChargeMinor(micro, price)).toBe(minor);
  });

  it('builds the period invoice lines: plan fee and overage, nothing for a free plan without overage', () => {
    const pro = { name: 'Pro', monthlyPriceMinor: 4900n, overagePriceMinorPerCredit: 1n };
    expect(periodInvoiceLines(pro, '2026-10', 2_000_000_000n)).toEqual([
      { description: 'Pro plan, 2026-10', quantity: 1, unitAmountMinor: 4900n, amountMinor: 4900n },
      { description: 'Overage, 2026-10: 2000 credits', quantity: 1, unitAmountMinor: 2000n, amountMinor: 2000n },
    ]);
    expect(periodInvoiceLines(pro, '2026-10', 0n)).toHaveLength(1);
    expect(periodInvoiceLines({ name: 'Free', monthlyPriceMinor: 0n, overagePriceMinorPerCredit: 0n }, '2026-10', 0n)).toEqual([]);
  });

  it.each([
    [500_000n, 200n, 100n], // half a million tokens at $2 per million: $1
    [1n, 200n, 0n], // 0.0002¢ rounds to nothing
    [2_500n, 200n, 1n], // 0.5¢ → 1¢ (half-up)
    [2_499n, 200n, 0n],
    [3_000_000n, 0n, 0n], // a plan without a token overage price
  ])('tokenOverageChargeMinor(%s tokens, %s¢/million) = %s¢', (tokens, price, minor) => {
    expect(tokenOverageChargeMinor(tokens, price)).toBe(minor);
  });

  it('puts token overage on the period invoice next to the credit overage', () => {
    const pro = { name: 'Pro', monthlyPriceMinor: 4900n, overagePriceMinorPerCredit: 1n, overagePriceMinorPerMillionTokens: 200n };
    expect(periodInvoiceLines(pro, '2026-10', 2_000_000_000n, 500_000n)).toEqual([
      { description: 'Pro plan, 2026-10', quantity: 1, unitAmountMinor: 4900n, amountMinor: 4900n },
      { description: 'Overage, 2026-10: 2000 credits', quantity: 1, unitAmountMinor: 2000n, amountMinor: 2000n },
      { description: 'Token overage, 2026-10: 500000 tokens', quantity: 1, unitAmountMinor: 100n, amountMinor: 100n },
    ]);
    expect(periodInvoiceLines(pro, '2026-10', 0n, 500_000n).map((line) => line.description)).toEqual(['Pro plan, 2026-10', 'Token overage, 2026-10: 500000 tokens']);
    expect(periodInvoiceLines({ ...pro, overagePriceMinorPerMillionTokens: 0n }, '2026-10', 0n, 500_000n)).toHaveLength(1);
  });

  it('names hour windows and identifiers deterministically', () => {
    expect(hourWindow(new Date('2026-11-25T13:59:59Z'))).toBe('2026112513');
    expect(overageIdentifier('acct_x', '2026-10', 'final')).toBe('overage:acct_x:2026-10:final');
    expect(overageIdentifier('acct_x', '2026-10', 'final', 'credits')).toBe('overage:acct_x:2026-10:final');
    expect(overageIdentifier('acct_x', '2026-10', 'h2026102513', 'tokens')).toBe('token-overage:acct_x:2026-10:h2026102513');
  });
});
